# cython: auto_pickle=False, binding=False, always_allow_keywords=False
"""Ring buffers on one C index core.

Three extension types share the index arithmetic in ``_ringcore.pxd``:

* ``RingBufferCore``: a typed numeric ring over one owned numpy array.
* ``RingCore``: a ring of Python objects.
* ``DecimatingRingCore``: ``RingCore`` plus the backpressure policy that the
  LUKHAS consciousness stream relies on.

These types are private.  The public classes in :mod:`lukhas.core.ring`
subclass them and own the validation: whenever a fast-path check here fails,
the type calls a hook of the public subclass (``_coerce_values``,
``_coerce_scalar``, ``_check_count``, ``_check_index``) which either returns a
trusted value or raises a clear ``TypeError``/``ValueError``.

Thread safety: every method runs with the GIL held and leaves the ring
consistent before it could release it, so calls from several threads are
atomic with respect to each other.  Copies of at least
``NOGIL_COPY_BYTES`` bytes release the GIL; while such a copy runs the ring is
marked busy and every other call on it waits, without the GIL, until the copy
is done.
"""

cimport numpy as cnp
from cpython.pythread cimport (
    NOWAIT_LOCK,
    WAIT_LOCK,
    PyThread_acquire_lock,
    PyThread_allocate_lock,
    PyThread_free_lock,
    PyThread_release_lock,
    PyThread_type_lock,
)
from cpython.float cimport PyFloat_AS_DOUBLE, PyFloat_CheckExact
from cpython.long cimport PyLong_CheckExact
from libc.float cimport FLT_MAX
from libc.math cimport INFINITY, fabs
from libc.stdint cimport int8_t, int16_t, int32_t, int64_t, uint64_t
from posix.unistd cimport usleep

from lukhas._native._ringcore cimport (
    RingIndex,
    ring_advance_head,
    ring_copy_in,
    ring_copy_out,
    ring_init,
    ring_pop_back,
    ring_pop_front,
    ring_push_slot,
    ring_slot,
)

import numpy as np

cdef extern from "Python.h":
    # Never raises for an exact int, which is all it is called with here.
    long long PyLong_AsLongLongAndOverflow(object obj, int* overflow) noexcept

cnp.import_array()

#: Copies at least this large release the GIL.
NOGIL_COPY_BYTES = 1 << 18
cdef Py_ssize_t _NOGIL_BYTES = NOGIL_COPY_BYTES

# Scalar kinds with a C conversion path.  Every supported dtype has one.
cdef enum ScalarKind:
    K_F64 = 0
    K_F32
    K_I64
    K_I32
    K_I16
    K_I8
    K_U64
    K_U32
    K_U16
    K_U8

_KIND_OF_DTYPE = {
    np.dtype(np.float64): K_F64,
    np.dtype(np.float32): K_F32,
    np.dtype(np.int64): K_I64,
    np.dtype(np.int32): K_I32,
    np.dtype(np.int16): K_I16,
    np.dtype(np.int8): K_I8,
    np.dtype(np.uint64): K_U64,
    np.dtype(np.uint32): K_U32,
    np.dtype(np.uint16): K_U16,
    np.dtype(np.uint8): K_U8,
}

cdef union Scalar:
    double f
    int64_t i
    uint64_t u

# Integer range accepted by the fast path, per kind (uint64 above 2**63 - 1 takes the
# slow path).
_INT_LIMITS = {
    K_I64: (-0x8000000000000000, 0x7FFFFFFFFFFFFFFF),
    K_I32: (-0x80000000, 0x7FFFFFFF),
    K_I16: (-0x8000, 0x7FFF),
    K_I8: (-0x80, 0x7F),
    K_U64: (0, 0x7FFFFFFFFFFFFFFF),
    K_U32: (0, 0xFFFFFFFF),
    K_U16: (0, 0xFFFF),
    K_U8: (0, 0xFF),
}

#: The dtypes ``RingBufferCore`` stores.
SUPPORTED_DTYPES = tuple(_KIND_OF_DTYPE)


cdef struct BusyGuard:
    # The lock that makes GIL-free copies safe; see the module docstring.
    PyThread_type_lock lock
    bint busy


cdef inline void guard_wait_idle(BusyGuard* g):
    # Called with the GIL held.  `busy` only changes under the GIL, so once it
    # reads False no GIL-free copy is running on this ring.
    while g.busy:
        with nogil:
            PyThread_acquire_lock(g.lock, WAIT_LOCK)
            PyThread_release_lock(g.lock)


cdef inline void guard_enter(BusyGuard* g):
    # Called with the GIL held; returns with the GIL held, the ring marked busy and
    # no GIL release between the last idle check and the mark, so the caller may
    # read the ring's positions only now.  Waiting (for a running copy, or for a
    # waiter that holds the lock for an instant) releases the GIL, and another
    # thread may change the ring meanwhile: hence the loop.
    while True:
        if g.busy:
            guard_wait_idle(g)
        if PyThread_acquire_lock(g.lock, NOWAIT_LOCK):
            break
        with nogil:
            PyThread_acquire_lock(g.lock, WAIT_LOCK)
            PyThread_release_lock(g.lock)
    g.busy = True


cdef inline void guard_leave(BusyGuard* g) noexcept:
    g.busy = False
    PyThread_release_lock(g.lock)


cdef class RingBufferCore:
    """Typed numeric ring buffer core (private; see ``lukhas.core.ring.RingBuffer``)."""

    cdef RingIndex idx
    cdef cnp.ndarray _buf
    cdef char* _data
    cdef Py_ssize_t _itemsize
    cdef ScalarKind _kind
    cdef int _typenum
    cdef object _dtype
    cdef BusyGuard _guard
    cdef long long _imin
    cdef long long _imax

    def __cinit__(self, Py_ssize_t capacity, dtype, *args, **kwargs):
        # Trusted arguments: the public subclass validated them.
        self._dtype = np.dtype(dtype)
        self._kind = _KIND_OF_DTYPE[self._dtype]
        self._buf = np.empty(capacity, dtype=self._dtype)
        self._data = <char*> cnp.PyArray_DATA(self._buf)
        self._itemsize = self._dtype.itemsize
        self._typenum = self._dtype.num
        self._guard.lock = PyThread_allocate_lock()
        if self._guard.lock == NULL:
            raise MemoryError("could not allocate a ring lock")
        self._guard.busy = False
        self._imin, self._imax = _INT_LIMITS.get(self._kind, (0, 0))
        ring_init(&self.idx, capacity)

    def __dealloc__(self):
        if self._guard.lock != NULL:
            PyThread_free_lock(self._guard.lock)

    # -- properties -----------------------------------------------------------------
    @property
    def capacity(self):
        """int: Maximum number of items held."""
        return self.idx.capacity

    @property
    def dtype(self):
        """numpy.dtype: Dtype of the stored items."""
        return self._dtype

    @property
    def full(self):
        """bool: Whether the next write evicts the oldest item."""
        return self.idx.size == self.idx.capacity

    def __len__(self):
        return self.idx.size

    # -- writes ---------------------------------------------------------------------
    cdef inline bint _convert_exact(self, object x, Scalar* out) noexcept:
        # Fast path for exact floats and ints that fit; False sends x to the
        # public subclass's _coerce_scalar, which converts or raises.
        cdef int overflow = 0
        cdef long long v
        if self._kind <= K_F32:
            if PyFloat_CheckExact(x):
                out.f = PyFloat_AS_DOUBLE(x)
                # A finite double beyond float32's range would silently become inf.
                return self._kind == K_F64 or not (FLT_MAX < fabs(out.f) < INFINITY)
            if PyLong_CheckExact(x):
                v = PyLong_AsLongLongAndOverflow(x, &overflow)
                if overflow:
                    return False
                out.f = <double> v
                return True
            return False
        if not PyLong_CheckExact(x):
            return False
        v = PyLong_AsLongLongAndOverflow(x, &overflow)
        if overflow or v < self._imin or v > self._imax:
            return False
        out.i = v
        return True

    cdef int _convert_coerced(self, object x, Scalar* out) except -1:
        # x came back from _coerce_scalar: a float for float rings, an int in range
        # for integer rings.
        if self._kind <= K_F32:
            out.f = <double> x
        elif self._kind == K_U64 and x > 0x7FFFFFFFFFFFFFFF:
            out.u = <uint64_t> x
        else:
            out.i = <int64_t> x
        return 0

    cdef inline void _write(self, Py_ssize_t slot, Scalar v) noexcept:
        cdef char* p = self._data + slot * self._itemsize
        cdef ScalarKind k = self._kind
        if k == K_F64:
            (<double*> p)[0] = v.f
        elif k == K_F32:
            (<float*> p)[0] = <float> v.f
        elif k == K_I64 or k == K_U64:
            (<int64_t*> p)[0] = v.i
        elif k == K_I32 or k == K_U32:
            (<int32_t*> p)[0] = <int32_t> v.i
        elif k == K_I16 or k == K_U16:
            (<int16_t*> p)[0] = <int16_t> v.i
        else:
            (<int8_t*> p)[0] = <int8_t> v.i

    def append(self, x):
        """Append one item at the newest end, evicting the oldest when full.

        Parameters
        ----------
        x : int or float
            A real number for float rings; an int within the dtype's range for
            integer rings (floats, bools and out-of-range ints are refused).

        Raises
        ------
        TypeError
            If ``x`` is not a number of the accepted kind.
        ValueError
            If ``x`` is out of the dtype's range (nothing is evicted then).
        """
        cdef Scalar v
        if self._guard.busy:
            guard_wait_idle(&self._guard)
        if self._kind == K_F64 and PyFloat_CheckExact(x):  # the common case, inlined
            (<double*> self._data)[ring_push_slot(&self.idx)] = PyFloat_AS_DOUBLE(x)
            return
        if not self._convert_exact(x, &v):
            self._convert_coerced(self._coerce_scalar(x), &v)
        # The slot is reserved only once the value converted: a rejected value
        # never evicts anything.
        self._write(ring_push_slot(&self.idx), v)

    def extend(self, values):
        """Append many items, oldest first; keeps the newest ``capacity`` of them.

        Parameters
        ----------
        values : array_like of shape (m,)
            Any length.  A 1-D array of the ring's dtype (C-contiguous, native byte
            order) is copied without conversion; other inputs, strided views
            included, are converted under the same rules as :meth:`append`.

        Raises
        ------
        TypeError
            If ``values`` is not a 1-D array-like of convertible numbers.
        ValueError
            If ``values`` has the wrong rank or values out of the dtype's range
            (the ring is unchanged then).
        """
        cdef cnp.ndarray arr
        if (
            cnp.PyArray_CheckExact(values)
            and cnp.PyArray_NDIM(<cnp.ndarray> values) == 1
            and cnp.PyArray_TYPE(<cnp.ndarray> values) == self._typenum
            and cnp.PyArray_ISCARRAY_RO(<cnp.ndarray> values)
            and cnp.PyArray_ISNOTSWAPPED(<cnp.ndarray> values)
        ):
            arr = <cnp.ndarray> values
        else:
            arr = self._coerce_values(values)
        self._extend_trusted(arr)

    cdef int _extend_trusted(self, cnp.ndarray arr) except -1:
        cdef Py_ssize_t m = cnp.PyArray_DIM(arr, 0)
        cdef const char* src = <const char*> cnp.PyArray_DATA(arr)
        cdef Py_ssize_t cap = self.idx.capacity
        cdef Py_ssize_t isz = self._itemsize
        cdef Py_ssize_t start, keep
        cdef bint big
        if m == 0:
            return 0
        keep = cap if m >= cap else m
        big = keep * isz >= _NOGIL_BYTES
        # Positions are read only once this call owns the ring (guard_enter may
        # release the GIL while it waits; guard_wait_idle returns holding it).
        if big:
            guard_enter(&self._guard)
        elif self._guard.busy:
            guard_wait_idle(&self._guard)
        if m >= cap:
            # Only the newest `cap` items survive: they fill the buffer from slot 0.
            src += (m - cap) * isz
            start = 0
        else:
            start = ring_slot(&self.idx, self.idx.size) if self.idx.size < cap else self.idx.head
        if big:
            with nogil:
                ring_copy_in(self._data, cap, start, src, keep, isz)
        else:
            ring_copy_in(self._data, cap, start, src, keep, isz)
        self._commit_extend(m)
        if big:
            guard_leave(&self._guard)
        return 0

    cdef inline void _commit_extend(self, Py_ssize_t m) noexcept:
        # Index update after m items were written (GIL held, ring owned).
        cdef Py_ssize_t cap = self.idx.capacity
        if m >= cap:
            self.idx.head = 0
            self.idx.size = cap
        elif self.idx.size + m <= cap:
            self.idx.size += m
        else:
            ring_advance_head(&self.idx, self.idx.size + m - cap)
            self.idx.size = cap

    # -- reads ----------------------------------------------------------------------
    def latest(self, n, out=None):
        """Copy of the newest ``n`` items, oldest first.

        Parameters
        ----------
        n : int
            Number of items, in ``[0, len(ring)]``.
        out : ndarray of shape (n,), optional
            Writeable, C-contiguous array of the ring's dtype to copy into.

        Returns
        -------
        items : ndarray of shape (n,)
            A new C-contiguous array of the ring's dtype, or ``out``.

        Raises
        ------
        TypeError, ValueError
            If ``n`` is not an int in range or ``out`` does not fit.
        """
        cdef Py_ssize_t k
        cdef cnp.npy_intp dims[1]
        cdef cnp.ndarray res
        if PyLong_CheckExact(n) and 0 <= n <= self.idx.size:
            k = n
        else:
            k = self._check_count("n", n)
        if out is None:
            dims[0] = k
            res = cnp.PyArray_EMPTY(1, dims, self._typenum, 0)
        else:
            res = self._check_out(out, k)
        self._copy_newest(<char*> cnp.PyArray_DATA(res), k)
        return res

    def to_array(self):
        """Copy of every item, oldest first.

        Returns
        -------
        items : ndarray of shape (len(ring),)
            A new C-contiguous array of the ring's dtype.
        """
        return self.latest(self.idx.size)

    cdef int _copy_newest(self, char* dst, Py_ssize_t k) except -1:
        cdef Py_ssize_t first, size
        cdef bint big = k * self._itemsize >= _NOGIL_BYTES
        if k == 0:
            return 0
        # As in _extend_trusted: positions are read once this call owns the ring.
        if big:
            guard_enter(&self._guard)
        elif self._guard.busy:
            guard_wait_idle(&self._guard)
        size = self.idx.size
        if k > size:
            # Another thread emptied part of the ring while this call waited.
            if big:
                guard_leave(&self._guard)
            raise ValueError(
                f"`n` must be in [0, len(ring)] = [0, {size}], got {k}: the ring shrank "
                "while this call waited for another thread's copy.")
        first = ring_slot(&self.idx, size - k)
        if big:
            with nogil:
                ring_copy_out(dst, self._data, self.idx.capacity, first, k, self._itemsize)
            guard_leave(&self._guard)
        else:
            ring_copy_out(dst, self._data, self.idx.capacity, first, k, self._itemsize)
        return 0

    def view(self):
        """Zero-copy read-only views of the one or two stored segments, oldest first.

        Returns
        -------
        segments : tuple of ndarray
            One view when the items are contiguous in the buffer, two when they
            wrap; ``np.concatenate(segments)`` equals :meth:`to_array`.  The views
            share the ring's memory and are **invalidated by the next write**:
            they then show whatever the ring stores in those slots.
        """
        if self._guard.busy:
            guard_wait_idle(&self._guard)
        cdef Py_ssize_t head = self.idx.head
        cdef Py_ssize_t size = self.idx.size
        cdef Py_ssize_t cap = self.idx.capacity
        if head + size <= cap:
            parts = (self._buf[head:head + size],)
        else:
            parts = (self._buf[head:], self._buf[:head + size - cap])
        for part in parts:
            part.flags.writeable = False
        return parts

    def __getitem__(self, key):
        cdef Py_ssize_t i
        if self._guard.busy:
            guard_wait_idle(&self._guard)
        if PyLong_CheckExact(key) and -self.idx.size <= key < self.idx.size:
            i = key
        elif isinstance(key, slice):
            return self.to_array()[key]
        else:
            i = self._check_index("key", key)
        if i < 0:
            i += self.idx.size
        return self._buf[ring_slot(&self.idx, i)]

    def pop(self):
        """Remove and return the newest item."""
        if self._guard.busy:
            guard_wait_idle(&self._guard)
        if self.idx.size == 0:
            self._raise_empty("pop")
        return self._buf[ring_pop_back(&self.idx)]

    def popleft(self):
        """Remove and return the oldest item."""
        if self._guard.busy:
            guard_wait_idle(&self._guard)
        if self.idx.size == 0:
            self._raise_empty("popleft")
        return self._buf[ring_pop_front(&self.idx)]

    def clear(self):
        """Remove every item (the capacity and dtype stay)."""
        if self._guard.busy:
            guard_wait_idle(&self._guard)
        ring_init(&self.idx, self.idx.capacity)

    def __array__(self, dtype=None, copy=None):
        arr = self.to_array()
        return arr if dtype is None else arr.astype(dtype, copy=False)

    def __iter__(self):
        return iter(self.to_array())

    def __reduce__(self):
        return (_rebuild_ringbuffer, (type(self), self.idx.capacity, self._dtype, self.to_array()))


def _hold_guard_lock(RingBufferCore ring, double seconds):
    """Test hook: hold ``ring``'s guard lock for ``seconds`` without marking it busy.

    This is what a thread waiting for a GIL-free copy does for an instant; holding it
    longer makes the window in which another call must wait (and may release the GIL)
    wide enough for a deterministic test of the position bookkeeping.
    """
    cdef unsigned int micros = <unsigned int> (seconds * 1e6)
    with nogil:
        PyThread_acquire_lock(ring._guard.lock, WAIT_LOCK)
        usleep(micros)
        PyThread_release_lock(ring._guard.lock)


def _check_ring_class(cls, base):
    # Unpickling calls these helpers with arguments from the pickle: check them
    # before anything is cast to a C type.
    if not (isinstance(cls, type) and issubclass(cls, base)):
        raise TypeError(
            f"`cls` must be a subclass of {base.__name__}, got {cls!r}.")


def _rebuild_ringbuffer(cls, capacity, dtype, items):
    _check_ring_class(cls, RingBufferCore)
    ring = cls(capacity, dtype)
    ring.extend(items)
    return ring


cdef class RingCore:
    """Object ring core (private; see ``lukhas.core.ring.Ring``)."""

    cdef RingIndex idx
    cdef list _items

    def __cinit__(self, Py_ssize_t capacity, *args, **kwargs):
        ring_init(&self.idx, capacity)
        self._items = [None] * capacity

    @property
    def capacity(self):
        """int: Maximum number of items held."""
        return self.idx.capacity

    @property
    def utilization(self):
        """float: ``len(ring) / capacity``."""
        return self.idx.size / <double> self.idx.capacity

    @property
    def full(self):
        """bool: Whether the next push evicts the oldest item."""
        return self.idx.size == self.idx.capacity

    def __len__(self):
        return self.idx.size

    cdef inline void _push(self, object item):
        cdef Py_ssize_t slot = ring_push_slot(&self.idx)
        # The index is already consistent when the list assignment drops the evicted
        # item (whose finaliser could run arbitrary code).
        self._items[slot] = item

    def push(self, item):
        """Append ``item`` at the newest end, evicting the oldest when full."""
        self._push(item)

    def extend(self, items):
        """Push every item of an iterable, oldest first."""
        for item in items:
            self._push(item)

    cdef list _snapshot(self, Py_ssize_t k):
        # The newest k items, oldest first.
        cdef Py_ssize_t i
        cdef Py_ssize_t first = self.idx.size - k
        return [self._items[ring_slot(&self.idx, first + i)] for i in range(k)]

    def to_list(self):
        """Every item, oldest first, without removing them."""
        return self._snapshot(self.idx.size)

    def latest(self, n):
        """The newest ``n`` items, oldest first, without removing them."""
        cdef Py_ssize_t k
        if PyLong_CheckExact(n) and 0 <= n <= self.idx.size:
            k = n
        else:
            k = self._check_count("n", n)
        return self._snapshot(k)

    def pop_all(self):
        """Remove and return every item, oldest first."""
        items = self._snapshot(self.idx.size)
        self._clear()
        return items

    cdef void _clear(self):
        cdef Py_ssize_t cap = self.idx.capacity
        old = self._items
        ring_init(&self.idx, cap)
        self._items = [None] * cap
        del old  # dropped after the ring is consistent

    def clear(self):
        """Remove every item."""
        self._clear()

    def pop(self):
        """Remove and return the newest item."""
        if self.idx.size == 0:
            self._raise_empty("pop")
        cdef Py_ssize_t slot = ring_pop_back(&self.idx)
        item = self._items[slot]
        self._items[slot] = None
        return item

    def popleft(self):
        """Remove and return the oldest item."""
        if self.idx.size == 0:
            self._raise_empty("popleft")
        cdef Py_ssize_t slot = ring_pop_front(&self.idx)
        item = self._items[slot]
        self._items[slot] = None
        return item

    def __getitem__(self, key):
        cdef Py_ssize_t i
        if PyLong_CheckExact(key) and -self.idx.size <= key < self.idx.size:
            i = key
        elif isinstance(key, slice):
            return self.to_list()[key]
        else:
            i = self._check_index("key", key)
        if i < 0:
            i += self.idx.size
        return self._items[ring_slot(&self.idx, i)]

    def __iter__(self):
        return iter(self.to_list())

    def __reduce__(self):
        return (_rebuild_object_ring, (type(self), (self.idx.capacity,), self.to_list(), None))


def _rebuild_object_ring(cls, args, items, stats):
    _check_ring_class(cls, DecimatingRingCore if stats is not None else RingCore)
    if type(args) is not tuple:
        raise TypeError(f"`args` must be a tuple, got an object of type {type(args).__name__}.")
    if stats is not None and type(stats) is not tuple:
        raise TypeError(
            f"`stats` must be a tuple or None, got an object of type {type(stats).__name__}.")
    cdef RingCore ring = cls(*args)
    for item in items:
        ring._push(item)  # restore as stored: no backpressure decisions
    if stats is not None:
        (<DecimatingRingCore> ring)._restore_stats(stats)
    return ring


cdef enum Strategy:
    S_SKIP_NTH = 0
    S_ADAPTIVE
    S_KEEP_RECENT

_STRATEGY_CODES = {"skip_nth": S_SKIP_NTH, "adaptive": S_ADAPTIVE, "keep_recent": S_KEEP_RECENT}

#: The decimation strategies ``DecimatingRingCore`` implements.
DECIMATION_STRATEGIES = tuple(_STRATEGY_CODES)


cdef class DecimatingRingCore(RingCore):
    """Backpressure ring core (private; see ``lukhas.core.ring.DecimatingRing``)."""

    cdef readonly double pressure_threshold
    cdef readonly Py_ssize_t decimation_factor
    cdef readonly str decimation_strategy
    cdef Strategy _strategy
    cdef readonly Py_ssize_t total_pushes
    cdef readonly Py_ssize_t total_drops
    cdef readonly Py_ssize_t decimation_events
    cdef readonly double last_decimation_utilization

    def __cinit__(
        self,
        Py_ssize_t capacity,
        double pressure_threshold=0.8,
        Py_ssize_t decimation_factor=2,
        str decimation_strategy="skip_nth",
        *args,
        **kwargs,
    ):
        self.pressure_threshold = pressure_threshold
        self.decimation_factor = decimation_factor
        self.decimation_strategy = decimation_strategy
        self._strategy = _STRATEGY_CODES[decimation_strategy]
        self.total_pushes = 0
        self.total_drops = 0
        self.decimation_events = 0
        self.last_decimation_utilization = 0.0

    cdef bint _drops(self, double u) noexcept:
        # Step 2 of the policy: called only when utilization >= threshold.
        cdef double r
        cdef Py_ssize_t eff
        if self._strategy == S_SKIP_NTH:
            return self.total_pushes % self.decimation_factor != 0
        if self._strategy == S_ADAPTIVE:
            if self.pressure_threshold < 1.0:
                r = (u - self.pressure_threshold) / (1.0 - self.pressure_threshold)
            else:
                r = 0.0
            eff = <Py_ssize_t> (self.decimation_factor * (1.0 + 2.0 * r))
            if eff < 2:
                eff = 2
            return self.total_pushes % eff != 0
        return False

    def push(self, item, priority=None):
        """Push under the backpressure policy; returns True if kept, False if dropped."""
        cdef double u = self.idx.size / <double> self.idx.capacity
        self.total_pushes += 1
        if u >= self.pressure_threshold and self._drops(u):
            self.total_drops += 1
            return False
        self._push(item)
        if self.idx.size >= self.idx.capacity and self.idx.size >= 2:
            self._decimate()
        return True

    cdef void _decimate(self):
        cdef Py_ssize_t n = self.idx.size
        cdef Py_ssize_t f = self.decimation_factor
        cdef Py_ssize_t i
        items = self._snapshot(n)
        if self._strategy == S_KEEP_RECENT:
            kept = items[n - n // 2:]
        else:
            kept = items[::f]
        self._clear()
        for i in range(len(kept)):
            self._push(kept[i])
        self.decimation_events += 1
        self.last_decimation_utilization = self.idx.size / <double> self.idx.capacity

    def get_backpressure_stats(self):
        """The eleven backpressure counters and settings, as a dict."""
        return {
            "capacity": self.idx.capacity,
            "current_size": self.idx.size,
            "utilization": self.idx.size / <double> self.idx.capacity,
            "pressure_threshold": self.pressure_threshold,
            "total_pushes": self.total_pushes,
            "total_drops": self.total_drops,
            "drop_rate": self.total_drops / <double> max(1, self.total_pushes),
            "decimation_events": self.decimation_events,
            "decimation_factor": self.decimation_factor,
            "decimation_strategy": self.decimation_strategy,
            "last_decimation_utilization": self.last_decimation_utilization,
        }

    cdef void _restore_stats(self, tuple stats):
        (self.total_pushes, self.total_drops, self.decimation_events,
         self.last_decimation_utilization) = stats

    def __reduce__(self):
        args = (self.idx.capacity, self.pressure_threshold, self.decimation_factor,
                self.decimation_strategy)
        stats = (self.total_pushes, self.total_drops, self.decimation_events,
                 self.last_decimation_utilization)
        return (_rebuild_object_ring, (type(self), args, self.to_list(), stats))

    def reset_stats(self):
        """Zero the counters; the contents stay."""
        self.total_pushes = 0
        self.total_drops = 0
        self.decimation_events = 0
        self.last_decimation_utilization = 0.0
