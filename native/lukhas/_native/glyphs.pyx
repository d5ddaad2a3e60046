# cython: language_level=3, autotestdict=False
"""Batch XXH3-64 / XXH64 glyph hashing: the marshalling layer over ``lk_xxhash.c``.

Every entry point writes one ``uint64`` digest per glyph into a preallocated ``out``
array.  The public, validated API is
:mod:`candidate.core.symbolic.symbolic_glyph_hash`; the checks made here are the ones
memory safety depends on (offsets inside the buffer, output lengths), so no input can
crash the process.  Packed buffers and numpy arrays are hashed without the GIL; a
list or tuple of ``str``/``bytes`` is read in place (ASCII ``str`` through its own
UTF-8 bytes, other ``str`` encoded into one reusable scratch buffer) with the GIL held,
since the items are Python objects.
"""

cimport numpy as cnp
from cpython.object cimport PyObject
from cpython.sequence cimport PySequence_Fast_ITEMS
from libc.stdint cimport int64_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.stdlib cimport free, realloc

cdef extern from "lk_xxhash.h" nogil:
    uint64_t lk_xxh64(const void *data, size_t length, uint64_t seed)
    uint64_t lk_xxh3_64(const void *data, size_t length, uint64_t seed)
    int lk_xxh3_64_with_loop(const void *data, size_t length, uint64_t seed,
                             const char *loop_name, uint64_t *out)
    const char *lk_xxh3_simd_name()
    int64_t lk_hash_packed(int algorithm, const uint8_t *buf, int64_t buf_len,
                           const int64_t *offsets, size_t n, uint64_t seed, uint64_t *out)
    void lk_hash_fixed_bytes(int algorithm, const uint8_t *buf, size_t itemsize, size_t n,
                             uint64_t seed, uint64_t *out)
    int64_t lk_hash_fixed_ucs4(int algorithm, const uint32_t *buf, size_t width, size_t n,
                               uint64_t seed, uint8_t *scratch, uint64_t *out)
    int64_t lk_utf8_from_ucs1(const uint8_t *src, size_t n, uint8_t *dst)
    int64_t lk_utf8_from_ucs2(const uint16_t *src, size_t n, uint8_t *dst)
    int64_t lk_utf8_from_ucs4(const uint32_t *src, size_t n, uint8_t *dst)

# Borrowed-reference views of the CPython string API (no reference counting in the loop).
cdef extern from *:
    """
    #if PY_VERSION_HEX < 0x030C0000
    #define LK_UNICODE_READY(o) PyUnicode_READY(o)
    #else
    #define LK_UNICODE_READY(o) 0
    #endif
    """
    int LK_UNICODE_READY(PyObject *o) except -1
    bint lk_is_str "PyUnicode_Check"(PyObject *o)
    bint lk_is_ascii "PyUnicode_IS_ASCII"(PyObject *o)
    Py_ssize_t lk_str_length "PyUnicode_GET_LENGTH"(PyObject *o)
    int lk_str_kind "PyUnicode_KIND"(PyObject *o)
    void *lk_str_data "PyUnicode_DATA"(PyObject *o)
    bint lk_is_bytes "PyBytes_Check"(PyObject *o)
    char *lk_bytes_data "PyBytes_AS_STRING"(PyObject *o)
    Py_ssize_t lk_bytes_length "PyBytes_GET_SIZE"(PyObject *o)

cnp.import_array()

XXH3_64 = 0
XXH64 = 1

cdef inline uint64_t _hash_one(int algorithm, const void *data, size_t length,
                               uint64_t seed) noexcept nogil:
    if algorithm == 1:
        return lk_xxh64(data, length, seed)
    return lk_xxh3_64(data, length, seed)


cdef int _check_algorithm(int algorithm) except -1:
    if algorithm != 0 and algorithm != 1:
        raise ValueError(
            f"`algorithm` must be XXH3_64 (0) or XXH64 (1), got {algorithm}.")
    return 0


cdef int _check_out(const uint64_t[::1] out, Py_ssize_t n) except -1:
    if out.shape[0] != n:
        raise ValueError(f"`out` must have length {n}, got length {out.shape[0]}.")
    return 0


def simd_name():
    """Name of the XXH3 long-input loop this CPU runs: avx512, avx2, sse2 or scalar."""
    return lk_xxh3_simd_name().decode("ascii")


def xxh3_64(const uint8_t[::1] data, uint64_t seed=0):
    """XXH3-64 digest of a contiguous byte buffer."""
    cdef const uint8_t *ptr = &data[0] if data.shape[0] > 0 else NULL
    cdef uint64_t digest
    with nogil:
        digest = lk_xxh3_64(ptr, <size_t>data.shape[0], seed)
    return digest


def xxh64(const uint8_t[::1] data, uint64_t seed=0):
    """XXH64 digest of a contiguous byte buffer."""
    cdef const uint8_t *ptr = &data[0] if data.shape[0] > 0 else NULL
    cdef uint64_t digest
    with nogil:
        digest = lk_xxh64(ptr, <size_t>data.shape[0], seed)
    return digest


def xxh3_64_with_loop(const uint8_t[::1] data, uint64_t seed, str loop):
    """XXH3-64 through one named long-input loop; None when this CPU cannot run it."""
    cdef const uint8_t *ptr = &data[0] if data.shape[0] > 0 else NULL
    cdef bytes name = loop.encode("ascii")
    cdef uint64_t digest = 0
    if not lk_xxh3_64_with_loop(ptr, <size_t>data.shape[0], seed, name, &digest):
        return None
    return digest


cdef int _hash_packed_ptrs(const uint8_t *buf, Py_ssize_t buf_len, const int64_t *offsets,
                           Py_ssize_t n, uint64_t seed, int algorithm,
                           uint64_t *out) except -1:
    # The kernel checks each offset as it reads it (once), without the GIL: another
    # thread writing to `offsets` meanwhile cannot make it read outside `buf`.
    cdef int64_t bad
    with nogil:
        bad = lk_hash_packed(algorithm, buf if buf_len > 0 else NULL, buf_len, offsets,
                             <size_t>n, seed, out)
    if bad >= 0:
        raise ValueError(
            f"`offsets` must be non-decreasing within [0, len(buffer)]=[0, {buf_len}], "
            f"got offsets[{bad}] = {offsets[bad]}"
            + (f" after {offsets[bad - 1]}." if bad > 0 else "."))
    return 0


def hash_packed(const uint8_t[::1] buffer, const int64_t[::1] offsets, uint64_t seed,
                int algorithm, uint64_t[::1] out):
    """Hash glyph i = buffer[offsets[i]:offsets[i + 1]] into out[i] (n = len(offsets) - 1)."""
    _check_algorithm(algorithm)
    if offsets.shape[0] < 1:
        raise ValueError("`offsets` must hold n + 1 >= 1 offsets, got an empty array.")
    cdef Py_ssize_t n = offsets.shape[0] - 1
    _check_out(out, n)
    _hash_packed_ptrs(&buffer[0] if buffer.shape[0] > 0 else NULL, buffer.shape[0],
                      &offsets[0], n, seed, algorithm, &out[0] if n > 0 else NULL)


cdef inline bint _is_plain_vector(object arr, int typenum) noexcept:
    # An exact, aligned, C-contiguous, native-order 1-D ndarray of the given type.
    return (
        cnp.PyArray_CheckExact(arr)
        and cnp.PyArray_NDIM(<cnp.ndarray> arr) == 1
        and cnp.PyArray_TYPE(<cnp.ndarray> arr) == typenum
        and cnp.PyArray_ISCARRAY_RO(<cnp.ndarray> arr)
        and cnp.PyArray_ISNOTSWAPPED(<cnp.ndarray> arr)
    )


def hash_packed_arrays(buffer, offsets, uint64_t seed, int algorithm):
    """Fast path of ``hash_packed`` for ready arrays: a new uint64 array of digests.

    Returns None unless ``buffer`` is a plain uint8 vector and ``offsets`` a plain
    non-empty int64 vector; the caller then converts them and uses ``hash_packed``.
    Costs a few hundred nanoseconds less per call than converting through typed
    memoryviews, which matters for one large buffer.
    """
    _check_algorithm(algorithm)
    if not (_is_plain_vector(buffer, cnp.NPY_UINT8) and _is_plain_vector(offsets, cnp.NPY_INT64)):
        return None
    cdef cnp.npy_intp n = cnp.PyArray_DIM(<cnp.ndarray> offsets, 0) - 1
    if n < 0:
        return None
    cdef cnp.ndarray out = cnp.PyArray_EMPTY(1, &n, cnp.NPY_UINT64, 0)
    _hash_packed_ptrs(<const uint8_t *> cnp.PyArray_DATA(<cnp.ndarray> buffer),
                      cnp.PyArray_DIM(<cnp.ndarray> buffer, 0),
                      <const int64_t *> cnp.PyArray_DATA(<cnp.ndarray> offsets), n, seed,
                      algorithm, <uint64_t *> cnp.PyArray_DATA(out))
    return out


def hash_fixed_bytes(const uint8_t[::1] data, Py_ssize_t itemsize, uint64_t seed,
                     int algorithm, uint64_t[::1] out):
    """Hash the len(out) items of width itemsize in data (numpy 'S' layout, NULs stripped)."""
    _check_algorithm(algorithm)
    if itemsize < 1:
        raise ValueError(f"`itemsize` must be an int >= 1, got {itemsize}.")
    if data.shape[0] != out.shape[0] * itemsize:
        raise ValueError(
            f"`data` must hold len(out) * itemsize = {out.shape[0] * itemsize} bytes, "
            f"got {data.shape[0]}.")
    if out.shape[0] == 0:
        return
    with nogil:
        lk_hash_fixed_bytes(algorithm, &data[0], <size_t>itemsize, <size_t>out.shape[0], seed,
                            &out[0])


def hash_fixed_ucs4(const uint32_t[::1] data, Py_ssize_t width, uint64_t seed,
                    int algorithm, uint64_t[::1] out):
    """Hash the len(out) UCS4 items of width code points in data (numpy 'U' layout)."""
    _check_algorithm(algorithm)
    if width < 1:
        raise ValueError(f"`width` must be an int >= 1, got {width}.")
    if data.shape[0] != out.shape[0] * width:
        raise ValueError(
            f"`data` must hold len(out) * width = {out.shape[0] * width} code points, "
            f"got {data.shape[0]}.")
    if out.shape[0] == 0:
        return
    cdef uint8_t *scratch = <uint8_t *>realloc(NULL, <size_t>(4 * width))
    if scratch == NULL:
        raise MemoryError()
    cdef int64_t bad
    try:
        with nogil:
            bad = lk_hash_fixed_ucs4(algorithm, &data[0], <size_t>width, <size_t>out.shape[0],
                                     seed, scratch, &out[0])
    finally:
        free(scratch)
    if bad >= 0:
        raise ValueError(
            f"`glyphs[{bad}]` holds a code point UTF-8 cannot encode "
            "(a lone surrogate or one above U+10FFFF).")


def hash_sequence(glyphs, uint64_t seed, int algorithm, uint64_t[::1] out):
    """Hash each str (as UTF-8) or bytes item of a list or tuple into out."""
    _check_algorithm(algorithm)
    if type(glyphs) is not list and type(glyphs) is not tuple:
        raise TypeError(
            f"`glyphs` must be a list or tuple, got an object of type {type(glyphs).__name__}.")
    cdef Py_ssize_t n = len(glyphs)
    _check_out(out, n)
    if n == 0:
        return
    # The list cannot change under us: the GIL is held and nothing below runs Python code.
    cdef PyObject **items = PySequence_Fast_ITEMS(glyphs)
    cdef PyObject *item
    cdef uint8_t *scratch = NULL
    cdef uint8_t *grown
    cdef size_t capacity = 0, need
    cdef Py_ssize_t i, length
    cdef int64_t nbytes
    cdef int kind
    cdef const void *ptr
    try:
        for i in range(n):
            item = items[i]
            if lk_is_str(item):
                LK_UNICODE_READY(item)
                length = lk_str_length(item)
                if lk_is_ascii(item):
                    ptr = lk_str_data(item)
                    nbytes = length
                else:
                    kind = lk_str_kind(item)
                    need = <size_t>length * <size_t>(kind + 1 if kind < 4 else 4)
                    if need > capacity:
                        grown = <uint8_t *>realloc(scratch, need)
                        if grown == NULL:
                            raise MemoryError()
                        scratch = grown
                        capacity = need
                    if kind == 1:
                        nbytes = lk_utf8_from_ucs1(<const uint8_t *>lk_str_data(item),
                                                   <size_t>length, scratch)
                    elif kind == 2:
                        nbytes = lk_utf8_from_ucs2(<const uint16_t *>lk_str_data(item),
                                                   <size_t>length, scratch)
                    else:
                        nbytes = lk_utf8_from_ucs4(<const uint32_t *>lk_str_data(item),
                                                   <size_t>length, scratch)
                    if nbytes < 0:
                        raise ValueError(
                            f"`glyphs[{i}]` cannot be encoded as UTF-8: it holds a lone "
                            "surrogate, as str.encode() would report.")
                    ptr = scratch
                out[i] = _hash_one(algorithm, ptr, <size_t>nbytes, seed)
            elif lk_is_bytes(item):
                out[i] = _hash_one(algorithm, lk_bytes_data(item),
                                   <size_t>lk_bytes_length(item), seed)
            else:
                raise TypeError(
                    f"`glyphs[{i}]` must be a str or bytes, got an object of type "
                    f"{type(<object>item).__name__}.")
    finally:
        free(scratch)
