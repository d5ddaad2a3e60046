# cython: language_level=3, autotestdict=False
"""SHA-256 and RFC 6962 Merkle kernels: the marshalling layer over ``lk_merkle.c``.

Digests are 32 bytes; batches of them are ``uint8`` arrays of shape ``(n, 32)``.  The
public, validated API is :mod:`lukhas.primitives.merkle`; the checks made here are the
ones memory safety depends on (offsets inside the buffer, output shapes), so no input
can crash the process.  Every batch entry point runs without the GIL except
:func:`leaf_hashes_seq`, which reads Python ``bytes`` objects in place.
"""

from cpython.bytes cimport PyBytes_FromStringAndSize
from cpython.object cimport PyObject
from cpython.sequence cimport PySequence_Fast_ITEMS
from libc.stdint cimport int32_t, int64_t, uint8_t, uint64_t
from libc.stdlib cimport free, malloc

cdef extern from "lk_merkle.h" nogil:
    const char *lk_sha256_impl_name()
    int lk_sha256_with(int impl, const uint8_t *data, size_t len, uint8_t *out)
    void lk_leaf_hash(const uint8_t *data, size_t len, uint8_t *out)
    void lk_node_hash(const uint8_t *left, const uint8_t *right, uint8_t *out)
    void lk_leaf_hashes(const uint8_t *buf, const int64_t *offsets, size_t n, uint8_t *out)
    void lk_leaf_hashes_ptrs(const uint8_t *const *items, const size_t *lengths, size_t n,
                             uint8_t *out)
    void lk_parents(const uint8_t *inp, size_t n_children, uint8_t *out)
    size_t lk_levels_total(size_t n)
    void lk_levels(const uint8_t *leaves, size_t n, uint8_t *out)
    void lk_root(const uint8_t *leaves, size_t n, uint8_t *scratch, uint8_t *out)
    void lk_inclusion_paths(const uint8_t *levels, size_t n, const int64_t *indices,
                            size_t k, size_t max_depth, uint8_t *out, int32_t *lengths)
    void lk_verify_inclusions(const uint8_t *leaves, const int64_t *indices, uint64_t size,
                              const uint8_t *paths, const int32_t *lengths,
                              size_t max_depth, size_t k, const uint8_t *root, uint8_t *ok)
    void lk_chain(const uint8_t *leaves, size_t n, const uint8_t *prev, uint8_t *out)
    int64_t lk_verify_chain(const uint8_t *buf, const int64_t *offsets, size_t n,
                            const uint8_t *leaves, const uint8_t *chain, const uint8_t *prev,
                            int *what)
    int64_t lk_merkle_offsets_first_invalid(const int64_t *offsets, size_t n,
                                            int64_t buf_len)

cdef extern from *:
    bint lk_is_bytes "PyBytes_Check"(PyObject *o)
    char *lk_bytes_data "PyBytes_AS_STRING"(PyObject *o)
    Py_ssize_t lk_bytes_length "PyBytes_GET_SIZE"(PyObject *o)

#: Implementation codes of :func:`sha256`.
IMPL_BEST = 0
IMPL_SCALAR = 1
IMPL_SHA_NI = 2

cdef uint8_t _EMPTY[1]


cdef inline const uint8_t *_ptr(const uint8_t[::1] data) noexcept:
    return &data[0] if data.shape[0] > 0 else _EMPTY


cdef int _check_rows(str name, Py_ssize_t rows, Py_ssize_t cols, Py_ssize_t want_rows) except -1:
    if cols != 32 or rows != want_rows:
        raise ValueError(
            f"`{name}` must have shape ({want_rows}, 32), got ({rows}, {cols}).")
    return 0


cdef int _check_digest(str name, Py_ssize_t length) except -1:
    if length != 32:
        raise ValueError(f"`{name}` must be 32 bytes, got {length}.")
    return 0


def impl_name():
    """Name of the SHA-256 block function this CPU runs: ``sha_ni`` or ``scalar``."""
    return lk_sha256_impl_name().decode("ascii")


def sha256(const uint8_t[::1] data, int impl=0):
    """SHA-256 digest of a contiguous buffer through one block function.

    ``impl`` is IMPL_BEST, IMPL_SCALAR or IMPL_SHA_NI; None when this CPU cannot run it.
    """
    cdef uint8_t out[32]
    cdef int done
    cdef const uint8_t *p = _ptr(data)
    with nogil:
        done = lk_sha256_with(impl, p, <size_t>data.shape[0], out)
    if not done:
        return None
    return PyBytes_FromStringAndSize(<char *>out, 32)


def leaf_hash(const uint8_t[::1] data):
    """RFC 6962 leaf hash ``SHA-256(0x00 || data)`` as 32 bytes."""
    cdef uint8_t out[32]
    cdef const uint8_t *p = _ptr(data)
    with nogil:
        lk_leaf_hash(p, <size_t>data.shape[0], out)
    return PyBytes_FromStringAndSize(<char *>out, 32)


def node_hash(const uint8_t[::1] left, const uint8_t[::1] right):
    """RFC 6962 node hash ``SHA-256(0x01 || left || right)`` as 32 bytes."""
    cdef uint8_t out[32]
    _check_digest("left", left.shape[0])
    _check_digest("right", right.shape[0])
    lk_node_hash(&left[0], &right[0], out)
    return PyBytes_FromStringAndSize(<char *>out, 32)


def leaf_hashes_packed(const uint8_t[::1] buf, const int64_t[::1] offsets,
                       uint8_t[:, ::1] out):
    """Leaf hashes of items packed back to back (item i is ``buf[offsets[i]:offsets[i+1]]``).

    ``out`` (OUT) has shape ``(len(offsets) - 1, 32)``.
    """
    cdef Py_ssize_t n = offsets.shape[0] - 1
    cdef int64_t bad
    if n < 0:
        raise ValueError("`offsets` must hold at least one offset, got 0.")
    _check_rows("out", out.shape[0], out.shape[1], n)
    with nogil:
        bad = lk_merkle_offsets_first_invalid(&offsets[0], <size_t>n, buf.shape[0])
    if bad >= 0:
        raise ValueError(
            f"`offsets` must be non-decreasing within [0, {buf.shape[0]}]; "
            f"offsets[{bad}] = {offsets[bad]} breaks that.")
    if n == 0:
        return
    cdef const uint8_t *p = _ptr(buf)
    with nogil:
        lk_leaf_hashes(p, &offsets[0], <size_t>n, &out[0, 0])


cdef enum:
    _CHUNK = 256


def leaf_hashes_seq(items, uint8_t[:, ::1] out):
    """Leaf hashes of a list or tuple of ``bytes``, read in place; ``out`` has shape (n, 32).

    Items are gathered a chunk at a time (pointer and length) and hashed two at a time.
    """
    cdef object fast = items if type(items) is list or type(items) is tuple else list(items)
    cdef Py_ssize_t n = len(fast), i, j, base
    cdef PyObject **objs = PySequence_Fast_ITEMS(fast)
    cdef PyObject *item
    cdef const uint8_t *ptrs[_CHUNK]
    cdef size_t lens[_CHUNK]
    _check_rows("out", out.shape[0], out.shape[1], n)
    base = 0
    while base < n:
        j = 0
        for i in range(base, min(base + _CHUNK, n)):
            item = objs[i]
            if not lk_is_bytes(item):
                raise TypeError(
                    f"`items[{i}]` must be bytes, got {type(<object>item).__name__}.")
            ptrs[j] = <const uint8_t *>lk_bytes_data(item)
            lens[j] = <size_t>lk_bytes_length(item)
            j += 1
        lk_leaf_hashes_ptrs(ptrs, lens, <size_t>j, &out[base, 0])
        base += j


def parents(const uint8_t[:, ::1] children, uint8_t[:, ::1] out):
    """Parents of pairs of nodes: ``out[j] = node(children[2j], children[2j+1])`` (OUT)."""
    cdef Py_ssize_t n = children.shape[0]
    _check_rows("children", n, children.shape[1], n)
    _check_rows("out", out.shape[0], out.shape[1], n // 2)
    if n < 2:
        return
    with nogil:
        lk_parents(&children[0, 0], <size_t>n, &out[0, 0])


def levels_total(Py_ssize_t n):
    """Number of nodes in all levels of a tree of ``n`` leaves."""
    if n < 0:
        raise ValueError(f"`n` must be >= 0, got {n}.")
    return lk_levels_total(<size_t>n)


def levels(const uint8_t[:, ::1] leaves, uint8_t[:, ::1] out):
    """All levels of the tree over ``leaves``, bottom up, into ``out`` (OUT)."""
    cdef Py_ssize_t n = leaves.shape[0]
    _check_rows("leaves", n, leaves.shape[1], n)
    _check_rows("out", out.shape[0], out.shape[1], <Py_ssize_t>lk_levels_total(<size_t>n))
    if n == 0:
        return
    with nogil:
        lk_levels(&leaves[0, 0], <size_t>n, &out[0, 0])


def root(const uint8_t[:, ::1] leaves):
    """RFC 6962 root of ``leaves`` (shape (n, 32)) as 32 bytes."""
    cdef Py_ssize_t n = leaves.shape[0]
    cdef uint8_t out[32]
    cdef uint8_t *scratch = NULL
    _check_rows("leaves", n, leaves.shape[1], n)
    if n == 0:
        with nogil:
            lk_sha256_with(0, _EMPTY, 0, out)
        return PyBytes_FromStringAndSize(<char *>out, 32)
    scratch = <uint8_t *>malloc(32 * ((<size_t>n + 1) // 2))
    if scratch == NULL:
        raise MemoryError()
    try:
        with nogil:
            lk_root(&leaves[0, 0], <size_t>n, scratch, out)
    finally:
        free(scratch)
    return PyBytes_FromStringAndSize(<char *>out, 32)


def inclusion_paths(const uint8_t[:, ::1] tree_levels, Py_ssize_t n,
                    const int64_t[::1] indices, uint8_t[:, :, ::1] out,
                    int32_t[::1] lengths):
    """Inclusion paths of leaves ``indices`` in the tree of size ``n`` whose levels
    :func:`levels` wrote; ``out`` (OUT) has shape (k, depth, 32), ``lengths`` (OUT) (k,)."""
    cdef Py_ssize_t k = indices.shape[0], i, depth = 0, m = n
    if n < 1:
        raise ValueError(f"`n` must be >= 1, got {n}.")
    _check_rows("tree_levels", tree_levels.shape[0], tree_levels.shape[1],
                <Py_ssize_t>lk_levels_total(<size_t>n))
    while m > 1:
        depth += 1
        m = (m + 1) // 2
    if out.shape[0] != k or out.shape[1] < depth or out.shape[2] != 32:
        raise ValueError(f"`out` must have shape ({k}, >={depth}, 32), got "
                         f"({out.shape[0]}, {out.shape[1]}, {out.shape[2]}).")
    if lengths.shape[0] != k:
        raise ValueError(f"`lengths` must have length {k}, got {lengths.shape[0]}.")
    for i in range(k):
        if indices[i] < 0 or indices[i] >= n:
            raise ValueError(f"`indices[{i}]` must be in [0, {n}), got {indices[i]}.")
    if k == 0 or depth == 0:
        lengths[:] = 0
        return
    with nogil:
        lk_inclusion_paths(&tree_levels[0, 0], <size_t>n, &indices[0], <size_t>k,
                           <size_t>out.shape[1], &out[0, 0, 0], &lengths[0])


def verify_inclusions(const uint8_t[:, ::1] leaves, const int64_t[::1] indices, uint64_t size,
                      const uint8_t[:, :, ::1] paths, const int32_t[::1] lengths,
                      const uint8_t[::1] expected_root, uint8_t[::1] ok):
    """Check k inclusion proofs against ``expected_root``; ``ok`` (OUT) gets 1 per valid one."""
    cdef Py_ssize_t k = leaves.shape[0], i
    _check_rows("leaves", k, leaves.shape[1], k)
    _check_digest("expected_root", expected_root.shape[0])
    if indices.shape[0] != k or lengths.shape[0] != k or ok.shape[0] != k:
        raise ValueError("`indices`, `lengths` and `ok` must have one item per leaf.")
    if paths.shape[0] != k or paths.shape[2] != 32:
        raise ValueError(f"`paths` must have shape ({k}, depth, 32).")
    for i in range(k):
        if lengths[i] < 0 or lengths[i] > paths.shape[1]:
            raise ValueError(f"`lengths[{i}]` must be in [0, {paths.shape[1]}], "
                             f"got {lengths[i]}.")
    if k == 0:
        return
    cdef const uint8_t *pp = &paths[0, 0, 0] if paths.shape[1] > 0 else _EMPTY
    with nogil:
        lk_verify_inclusions(&leaves[0, 0], &indices[0], size, pp,
                             &lengths[0], <size_t>paths.shape[1], <size_t>k,
                             &expected_root[0], &ok[0])


def chain(const uint8_t[:, ::1] leaves, const uint8_t[::1] prev, uint8_t[:, ::1] out):
    """Chain hashes ``out[i] = SHA-256(out[i-1] || leaves[i])``, ``out[-1] = prev`` (OUT)."""
    cdef Py_ssize_t n = leaves.shape[0]
    _check_rows("leaves", n, leaves.shape[1], n)
    _check_rows("out", out.shape[0], out.shape[1], n)
    _check_digest("prev", prev.shape[0])
    if n == 0:
        return
    with nogil:
        lk_chain(&leaves[0, 0], <size_t>n, &prev[0], &out[0, 0])


def verify_chain(const uint8_t[::1] buf, const int64_t[::1] offsets,
                 const uint8_t[:, ::1] leaves, const uint8_t[:, ::1] chain_hashes,
                 const uint8_t[::1] prev):
    """Recompute leaf and chain hashes of packed items; ``(first_bad, what)``.

    ``first_bad`` is -1 when all match; ``what`` is 1 for a wrong leaf hash, 2 for a
    wrong chain hash.
    """
    cdef Py_ssize_t n = offsets.shape[0] - 1
    cdef int64_t bad
    cdef int what = 0
    if n < 0:
        raise ValueError("`offsets` must hold at least one offset, got 0.")
    _check_rows("leaves", leaves.shape[0], leaves.shape[1], n)
    _check_rows("chain_hashes", chain_hashes.shape[0], chain_hashes.shape[1], n)
    _check_digest("prev", prev.shape[0])
    with nogil:
        bad = lk_merkle_offsets_first_invalid(&offsets[0], <size_t>n, buf.shape[0])
    if bad >= 0:
        raise ValueError(
            f"`offsets` must be non-decreasing within [0, {buf.shape[0]}]; "
            f"offsets[{bad}] = {offsets[bad]} breaks that.")
    if n == 0:
        return -1, 0
    cdef const uint8_t *p = _ptr(buf)
    with nogil:
        bad = lk_verify_chain(p, &offsets[0], <size_t>n, &leaves[0, 0],
                              &chain_hashes[0, 0], &prev[0], &what)
    return bad, what
