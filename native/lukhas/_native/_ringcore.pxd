# Index arithmetic and segment copies shared by every lukhas ring.
#
# A ring of `capacity` slots holds `size` items; the oldest sits in slot `head`
# and logical position i (0 = oldest) lives in slot (head + i) mod capacity.
# Every function here is a kernel: no validation, no Python objects, no GIL.

from libc.string cimport memcpy


cdef struct RingIndex:
    Py_ssize_t capacity   # number of slots, >= 1
    Py_ssize_t head       # slot of the oldest item
    Py_ssize_t size       # number of items, 0 <= size <= capacity


cdef inline void ring_init(RingIndex* r, Py_ssize_t capacity) noexcept nogil:
    r.capacity = capacity
    r.head = 0
    r.size = 0


cdef inline Py_ssize_t ring_slot(const RingIndex* r, Py_ssize_t i) noexcept nogil:
    # Slot of logical position i, for 0 <= i <= capacity.
    cdef Py_ssize_t j = r.head + i
    if j >= r.capacity:
        j -= r.capacity
    return j


cdef inline void ring_advance_head(RingIndex* r, Py_ssize_t k) noexcept nogil:
    # Forget the k oldest items' slots (0 <= k <= capacity) without changing size.
    r.head = ring_slot(r, k)


cdef inline Py_ssize_t ring_push_slot(RingIndex* r) noexcept nogil:
    # Reserve the slot for one new newest item, evicting the oldest when full.
    cdef Py_ssize_t s
    if r.size < r.capacity:
        s = ring_slot(r, r.size)
        r.size += 1
    else:
        s = r.head
        r.head = ring_slot(r, 1)
    return s


cdef inline Py_ssize_t ring_pop_back(RingIndex* r) noexcept nogil:
    # Release and return the slot of the newest item (size >= 1).
    r.size -= 1
    return ring_slot(r, r.size)


cdef inline Py_ssize_t ring_pop_front(RingIndex* r) noexcept nogil:
    # Release and return the slot of the oldest item (size >= 1).
    cdef Py_ssize_t s = r.head
    r.head = ring_slot(r, 1)
    r.size -= 1
    if r.size == 0:
        r.head = 0
    return s


cdef inline void ring_copy_in(
    char* data,             # OUT  ring storage, capacity * itemsize bytes
    Py_ssize_t capacity,    # IN   number of slots
    Py_ssize_t start,       # IN   first slot to write
    const char* src,        # IN   k contiguous items
    Py_ssize_t k,           # IN   number of items, k <= capacity
    Py_ssize_t itemsize,    # IN   bytes per item
) noexcept nogil:
    # Write k items into consecutive slots from `start`, wrapping once.
    cdef Py_ssize_t first = capacity - start
    if first > k:
        first = k
    memcpy(data + start * itemsize, src, first * itemsize)
    if k > first:
        memcpy(data, src + first * itemsize, (k - first) * itemsize)


cdef inline void ring_copy_out(
    char* dst,              # OUT  k contiguous items
    const char* data,       # IN   ring storage
    Py_ssize_t capacity,    # IN   number of slots
    Py_ssize_t start,       # IN   slot of the first item to read
    Py_ssize_t k,           # IN   number of items, k <= capacity
    Py_ssize_t itemsize,    # IN   bytes per item
) noexcept nogil:
    # Read k items from consecutive slots from `start`, wrapping once.
    cdef Py_ssize_t first = capacity - start
    if first > k:
        first = k
    memcpy(dst, data + start * itemsize, first * itemsize)
    if k > first:
        memcpy(dst + first * itemsize, data, (k - first) * itemsize)
