# cython: auto_pickle=False
"""A hierarchical navigable small world graph (Malkov and Yashunin, 2016/2018).

``HNSWGraph`` holds every structure of the graph in numpy-owned C arrays, so
the graph can be saved, loaded and grown without Python objects inside it:

* ``data``: (capacity, dim) float32 vectors, one row per node;
* ``links0``: (capacity, 2M + 1) int32 layer-0 adjacency, column 0 the count;
* ``levels``: (capacity,) int32 top layer of each node;
* ``upper_offset``: (capacity,) int64 first row of the node in ``upper``, or -1;
* ``upper``: (pool, M + 1) int32 adjacency of layers 1.. (row offset + layer - 1);
* ``deleted``: (capacity,) uint8 deletion marks;
* ``locks``: (capacity,) uint8 spin locks, one per node (used while building).

Nodes are dense int32 ids in insertion order; callers map them to labels.
Distances are squared L2 (``METRIC_L2``) or ``1 - <a, b>`` (``METRIC_IP``).

Insertion follows the paper: a random top layer ``floor(-ln(U) / ln(M))``,
greedy descent to that layer, then on each lower layer a beam search of width
``ef_construction`` whose result is thinned by the neighbour-selection
heuristic (algorithm 4) and linked both ways; overfull neighbour lists are
thinned by the same heuristic.  Deleted nodes stay in the graph as waypoints
and never appear in results.

A layer search keeps one sorted beam of (distance, node) keys instead of the
paper's two heaps (see ``Beam``); it expands the same nodes in the same order.
The tests check search and construction edge for edge against a transcription
of the paper.

``add`` may link a batch from several threads without the GIL, as hnswlib
does: each neighbour list is read (copied) and written under its node's spin
lock, the entry point and top layer under a graph lock, which an insertion
that raises the top layer holds to its end.  A node's own list is merged with
the links concurrent insertions gave it meanwhile, never overwritten.  Layers
are drawn before the threads start, so only the order of linking, and with it
the exact edges, depends on thread timing; with one thread the graph is a pure
function of the seed and the insertion order.

Searches only read the graph.  Each concurrent search uses its own ``slot``
(a visited-marks buffer), so searches on distinct slots may run at the same
time from several threads; they release the GIL.  ``add`` and ``mark_deleted``
must not run concurrently with anything else: the public wrapper serialises
them.
"""

cimport numpy as cnp
from libc.math cimport INFINITY, floor, log, sqrt
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcpy, memmove, memset

import threading

import numpy as np

cnp.import_array()

cdef extern from "lk_vecdist.h" nogil:
    ctypedef float (*lk_dist_fn)(const float *a, const float *b, size_t n)
    lk_dist_fn lk_dot_f32_impl()
    lk_dist_fn lk_l2sq_f32_impl()
    const char *lk_vecdist_simd_name()

cdef extern from "lk_spinlock.h" nogil:
    void lk_spin_lock(uint8_t* lock)
    void lk_spin_unlock(uint8_t* lock)
    int64_t lk_fetch_add_i64(int64_t* counter, int64_t step)

cdef extern from *:
    """
    #define LK_PREFETCH(p) __builtin_prefetch((const void *)(p), 0, 3)
    """
    void LK_PREFETCH(const void* p) noexcept nogil

#: Squared Euclidean distance.
METRIC_L2 = 0
#: ``1 - <a, b>``: inner product (and cosine on unit vectors).
METRIC_IP = 1

# Status codes of the C-level functions.
cdef enum:
    STATUS_OK = 0
    STATUS_NO_MEMORY = -1

# Bytes of one cache line (prefetch stride).
cdef enum:
    CACHE_LINE = 64


def simd_name():
    """Name of the distance loop this CPU runs: avx512, avx2 or scalar."""
    return lk_vecdist_simd_name().decode("ascii")


def _join_all(threads):
    # Join every thread even through KeyboardInterrupt (re-raised afterwards):
    # a half-linked graph must never be searched while its builders still run.
    interrupted = None
    for thread in threads:
        while thread.is_alive():
            try:
                thread.join()
            except BaseException as exc:
                interrupted = exc
    if interrupted is not None:
        raise interrupted


# ----------------------------------------------------------------------------
# (distance, node) pairs, ordered by distance and then by node id.

cdef struct Cand:
    float d
    int32_t id


cdef inline bint cand_above(Cand x, Cand y) noexcept nogil:
    return x.d > y.d or (x.d == y.d and x.id > y.id)


# The beam of a layer search: its nodes sorted by (distance, node), closest
# first.  It holds the `ef` closest live nodes found so far plus the deleted
# ("dead") nodes closer than the farthest of them, which still route the
# search.  A beam search never expands a node farther than its ef-th result,
# so this one sorted array replaces both heaps of the paper's algorithm 2
# (candidates and results) and expands the same nodes in the same order.
#
# An entry is one uint64 key that sorts like (distance, node): the distance's
# bits mapped to an unsigned integer of the same order in the high word, the
# node id shifted left by one in the low word, and in bit 0 the mark "already
# expanded" (setting it never changes the order, since node ids are unique).

cdef struct Beam:
    uint64_t* keys
    Py_ssize_t n               # entries
    Py_ssize_t cap
    Py_ssize_t live            # entries that are not dead
    Py_ssize_t ef
    const uint8_t* dead_marks  # per node: deleted (dead) or not; NULL: none is dead

cdef inline uint64_t beam_key(float d, int32_t node) noexcept nogil:
    cdef uint32_t bits
    d = d + <float>0.0  # -0.0 becomes +0.0: equal distances get equal bits
    memcpy(&bits, &d, sizeof(bits))
    bits = ~bits if bits >> 31 else bits | 0x80000000u
    return (<uint64_t>bits << 32) | (<uint64_t><uint32_t>node << 1)


cdef inline float key_dist(uint64_t key) noexcept nogil:
    cdef uint32_t bits = <uint32_t>(key >> 32)
    cdef float d
    bits = bits & 0x7FFFFFFFu if bits >> 31 else ~bits
    memcpy(&d, &bits, sizeof(d))
    return d


cdef inline int32_t key_node(uint64_t key) noexcept nogil:
    return <int32_t>((key & 0xFFFFFFFFu) >> 1)


cdef inline bint key_dead(const Beam* b, uint64_t key) noexcept nogil:
    return b.dead_marks != NULL and b.dead_marks[key_node(key)]


cdef inline uint64_t beam_bound(const Beam* b) noexcept nogil:
    # Key a new node must be below to enter: the ef-th live one, once there are ef.
    return b.keys[b.n - 1] | 1 if b.live >= b.ef else 0xFFFFFFFFFFFFFFFFu


cdef Py_ssize_t beam_insert(Beam* b, uint64_t key) noexcept nogil:
    # Insert a key below beam_bound(b); return its position (-1: no memory).
    cdef const uint64_t* first = b.keys
    cdef Py_ssize_t length = b.n, half, pos, newcap
    cdef uint64_t* grown
    # Branch-free lower bound (the comparisons are unpredictable).
    while length > 1:
        half = length >> 1
        first += (first[half - 1] < key) * half
        length -= half
    pos = (first - b.keys) + (length == 1 and first[0] < key)
    if b.n == b.cap:
        newcap = 2 * b.cap + 16
        grown = <uint64_t*>realloc(b.keys, newcap * sizeof(uint64_t))
        if grown == NULL:
            return -1
        b.keys = grown
        b.cap = newcap
    memmove(&b.keys[pos + 1], &b.keys[pos], (b.n - pos) * sizeof(uint64_t))
    b.keys[pos] = key
    b.n += 1
    if not key_dead(b, key):
        b.live += 1
        if b.live > b.ef:  # drop the farthest live entry (and the dead behind it)
            b.n -= 1
            while key_dead(b, b.keys[b.n]):
                b.n -= 1
            b.live -= 1
        if b.live == b.ef:  # the last entry is the bound: no dead one behind it
            while key_dead(b, b.keys[b.n - 1]):
                b.n -= 1
    return pos


cdef Py_ssize_t beam_results(const Beam* b, Cand* out) noexcept nogil:
    # Copy the live entries, closest first; return their count.
    cdef Py_ssize_t i, n = 0
    for i in range(b.n):
        if not key_dead(b, b.keys[i]):
            out[n].d = key_dist(b.keys[i])
            out[n].id = key_node(b.keys[i])
            n += 1
    return n


cdef void sort_ascending(Cand* a, Py_ssize_t n) noexcept nogil:
    # Insertion sort: n is at most 3M + 1.
    cdef Py_ssize_t i, j
    cdef Cand x
    for i in range(1, n):
        x = a[i]
        j = i - 1
        while j >= 0 and cand_above(a[j], x):
            a[j + 1] = a[j]
            j -= 1
        a[j + 1] = x


cdef void order_ties_by_label(Cand* a, Py_ssize_t n, const int64_t* labels) noexcept nogil:
    # `a` is sorted by distance; order each run of equal distances by label
    # (insertion sort: linear when, as usual, there are no ties).
    cdef Py_ssize_t i, j
    cdef Cand x
    for i in range(1, n):
        x = a[i]
        j = i - 1
        while j >= 0 and a[j].d == x.d and labels[a[j].id] > labels[x.id]:
            a[j + 1] = a[j]
            j -= 1
        a[j + 1] = x


# Scratch memory of one search or insertion (one per concurrent caller).
cdef struct Workspace:
    Beam beam          # the layer search in progress
    Cand* results      # its live entries, closest first (capacity ef)
    Cand* chosen       # neighbours picked for the new node (capacity 2M + 1)
    Cand* pruned       # a neighbour list being thinned (capacity 3M + 1)
    Cand* kept         # its thinned list (capacity 2M + 1)
    int32_t* links     # a neighbour list copied under its lock (capacity 2M + 1)
    int32_t* fresh     # unvisited neighbours of the node being expanded (capacity 2M)


cdef int workspace_init(Workspace* ws, Py_ssize_t ef, Py_ssize_t m0) noexcept nogil:
    ws.beam.n = 0
    ws.beam.live = 0
    ws.beam.ef = ef
    ws.beam.cap = 2 * ef + 16
    ws.beam.keys = <uint64_t*>malloc(ws.beam.cap * sizeof(uint64_t))
    ws.beam.dead_marks = NULL
    ws.results = <Cand*>malloc(ef * sizeof(Cand))
    ws.chosen = <Cand*>malloc((m0 + 1) * sizeof(Cand))
    ws.pruned = <Cand*>malloc((m0 + m0 // 2 + 1) * sizeof(Cand))
    ws.kept = <Cand*>malloc((m0 + 1) * sizeof(Cand))
    ws.links = <int32_t*>malloc((m0 + 1) * sizeof(int32_t))
    ws.fresh = <int32_t*>malloc((m0 + 1) * sizeof(int32_t))
    if (ws.beam.keys == NULL or ws.results == NULL or ws.chosen == NULL or ws.pruned == NULL
            or ws.kept == NULL or ws.links == NULL or ws.fresh == NULL):
        return STATUS_NO_MEMORY
    return STATUS_OK


cdef void workspace_free(Workspace* ws) noexcept nogil:
    free(ws.beam.keys)
    free(ws.results)
    free(ws.chosen)
    free(ws.pruned)
    free(ws.kept)
    free(ws.links)
    free(ws.fresh)


cdef uint64_t splitmix64(uint64_t* state) noexcept nogil:
    state[0] += 0x9E3779B97F4A7C15ULL
    cdef uint64_t z = state[0]
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL
    return z ^ (z >> 31)


cdef class HNSWGraph:
    """The compiled HNSW graph; see the module docstring.  Private: no validation."""

    cdef readonly int dim, M, ef_construction, metric
    cdef readonly Py_ssize_t size, capacity, upper_rows, n_deleted
    cdef readonly int32_t entry
    cdef readonly int max_level
    cdef double level_mult
    cdef uint64_t rng_state
    cdef int m0
    cdef lk_dist_fn dot
    cdef lk_dist_fn l2sq
    # Owners of the memory; the raw pointers below are refreshed on every resize.
    cdef object _data, _links0, _levels, _upper_offset, _upper, _deleted, _locks
    cdef object _visited, _tags
    cdef float* data
    cdef int32_t* links0
    cdef int32_t* levels
    cdef int64_t* upper_offset
    cdef int32_t* upper
    cdef uint8_t* deleted
    cdef uint8_t* locks
    cdef uint32_t* visited
    cdef uint32_t* tags
    cdef readonly int n_slots
    # Shared by the threads of one `add`.
    cdef uint8_t graph_lock         # guards `entry` and `max_level`
    cdef int64_t next_node          # next node to link
    cdef int64_t end_node           # one past the last node to link
    cdef int status                 # STATUS_NO_MEMORY once any thread ran out

    def __cinit__(self, int dim, int M, int ef_construction, int metric, uint64_t seed,
                  Py_ssize_t capacity=16, int n_slots=1):
        self.dim = dim
        self.M = M
        self.m0 = 2 * M
        self.ef_construction = ef_construction
        self.metric = metric
        self.level_mult = 1.0 / log(<double>M)
        self.rng_state = seed
        self.size = 0
        self.capacity = 0
        self.upper_rows = 0
        self.n_deleted = 0
        self.entry = -1
        self.max_level = -1
        self.dot = lk_dot_f32_impl()
        self.l2sq = lk_l2sq_f32_impl()
        self.n_slots = max(n_slots, 1)
        self.graph_lock = 0
        self._data = np.zeros((0, dim), dtype=np.float32)
        self._links0 = np.zeros((0, self.m0 + 1), dtype=np.int32)
        self._levels = np.zeros(0, dtype=np.int32)
        self._upper_offset = np.zeros(0, dtype=np.int64)
        self._upper = np.zeros((0, M + 1), dtype=np.int32)
        self._deleted = np.zeros(0, dtype=np.uint8)
        self._locks = np.zeros(0, dtype=np.uint8)
        self._visited = np.zeros((self.n_slots, 0), dtype=np.uint32)
        self._tags = np.zeros(self.n_slots, dtype=np.uint32)
        self._refresh()
        self.reserve(max(capacity, 1))

    # -- memory ---------------------------------------------------------------

    cdef void _refresh(self):
        self.data = <float*>cnp.PyArray_DATA(self._data)
        self.links0 = <int32_t*>cnp.PyArray_DATA(self._links0)
        self.levels = <int32_t*>cnp.PyArray_DATA(self._levels)
        self.upper_offset = <int64_t*>cnp.PyArray_DATA(self._upper_offset)
        self.upper = <int32_t*>cnp.PyArray_DATA(self._upper)
        self.deleted = <uint8_t*>cnp.PyArray_DATA(self._deleted)
        self.locks = <uint8_t*>cnp.PyArray_DATA(self._locks)
        self.visited = <uint32_t*>cnp.PyArray_DATA(self._visited)
        self.tags = <uint32_t*>cnp.PyArray_DATA(self._tags)

    @staticmethod
    def _grown(old, shape):
        new = np.zeros(shape, dtype=old.dtype)
        new[: old.shape[0]] = old
        return new

    def reserve(self, Py_ssize_t capacity):
        """Make room for ``capacity`` nodes (never shrinks)."""
        if capacity <= self.capacity:
            return
        self._data = HNSWGraph._grown(self._data, (capacity, self.dim))
        self._links0 = HNSWGraph._grown(self._links0, (capacity, self.m0 + 1))
        self._levels = HNSWGraph._grown(self._levels, (capacity,))
        self._upper_offset = HNSWGraph._grown(self._upper_offset, (capacity,))
        self._deleted = HNSWGraph._grown(self._deleted, (capacity,))
        self._locks = np.zeros(capacity, dtype=np.uint8)
        self._visited = np.zeros((self.n_slots, capacity), dtype=np.uint32)
        self._tags = np.zeros(self.n_slots, dtype=np.uint32)
        self.capacity = capacity
        self._refresh()

    def set_slots(self, int n_slots):
        """Provide ``n_slots`` visited buffers for concurrent searches."""
        if n_slots <= self.n_slots:
            return
        self.n_slots = n_slots
        self._visited = np.zeros((n_slots, self.capacity), dtype=np.uint32)
        self._tags = np.zeros(n_slots, dtype=np.uint32)
        self._refresh()

    # -- C-level helpers -------------------------------------------------------

    cdef inline float dist(self, const float* a, const float* b) noexcept nogil:
        if self.metric == 0:
            return self.l2sq(a, b, self.dim)
        return 1.0 - self.dot(a, b, self.dim)

    cdef inline const float* vec(self, int32_t node) noexcept nogil:
        return self.data + <Py_ssize_t>node * self.dim

    cdef inline void prefetch_vec(self, int32_t node) noexcept nogil:
        # Every cache line the vector touches (rows need not start on a line).
        cdef size_t first = <size_t>self.vec(node)
        cdef size_t last = first + self.dim * sizeof(float) - 1
        cdef size_t line
        for line in range(first // CACHE_LINE, last // CACHE_LINE + 1):
            LK_PREFETCH(<const void*>(line * CACHE_LINE))

    cdef inline int32_t* links_at(self, int32_t node, int level) noexcept nogil:
        if level == 0:
            return self.links0 + <Py_ssize_t>node * (self.m0 + 1)
        return self.upper + (self.upper_offset[node] + level - 1) * (self.M + 1)

    cdef inline const int32_t* read_links(self, int32_t node, int level, int32_t* copy,
                                          bint locking) noexcept nogil:
        # The neighbour list of `node` (count first); while other threads may
        # write it, a consistent copy taken under the node's lock.
        cdef int32_t* links = self.links_at(node, level)
        if not locking:
            return links
        lk_spin_lock(&self.locks[node])
        memcpy(copy, links, (links[0] + 1) * sizeof(int32_t))
        lk_spin_unlock(&self.locks[node])
        return copy

    cdef inline uint32_t next_tag(self, int slot) noexcept nogil:
        cdef uint32_t tag = self.tags[slot] + 1
        if tag == 0:  # wrapped: forget every old mark
            memset(self.visited + <Py_ssize_t>slot * self.capacity, 0,
                   self.capacity * sizeof(uint32_t))
            tag = 1
        self.tags[slot] = tag
        return tag

    cdef int32_t greedy_descent(self, const float* q, int32_t cur, float* cur_d,
                                int top, int bottom, Workspace* ws,
                                bint locking) noexcept nogil:
        # Walk from layer `top` down to layer `bottom` + 1, always to the closest neighbour.
        cdef int level, j, count
        cdef bint changed
        cdef const int32_t* links
        cdef int32_t e
        cdef float d
        for level in range(top, bottom, -1):
            changed = True
            while changed:
                changed = False
                links = self.read_links(cur, level, ws.links, locking)
                count = links[0]
                for j in range(1, count + 1):
                    e = links[j]
                    d = self.dist(q, self.vec(e))
                    if d < cur_d[0]:
                        cur_d[0] = d
                        cur = e
                        changed = True
        return cur

    cdef int search_layer(self, const float* q, int32_t ep, float ep_d, int level,
                          Workspace* ws, int slot, bint skip_deleted, int32_t exclude,
                          bint locking) noexcept nogil:
        # Beam search on one layer (width ws.beam.ef), starting from `ep`; the
        # result is ws.beam.  `exclude` (a node being inserted, or -1) is never visited.
        cdef uint32_t tag = self.next_tag(slot)
        cdef uint32_t* visited = self.visited + <Py_ssize_t>slot * self.capacity
        cdef Beam* beam = &ws.beam
        cdef const int32_t* links
        cdef int32_t e
        cdef int count, j, n_fresh
        cdef Py_ssize_t cursor, nearest, pos
        cdef uint64_t key
        beam.n = 0
        beam.live = 0
        beam.dead_marks = self.deleted if skip_deleted and self.n_deleted > 0 else NULL
        visited[ep] = tag
        if exclude >= 0:
            visited[exclude] = tag
        if beam_insert(beam, beam_key(ep_d, ep)) < 0:
            return STATUS_NO_MEMORY
        cursor = 0
        while cursor < beam.n:
            beam.keys[cursor] |= 1  # expanded
            if cursor + 1 < beam.n:  # most likely the next node to expand
                LK_PREFETCH(self.links_at(key_node(beam.keys[cursor + 1]), level))
            links = self.read_links(key_node(beam.keys[cursor]), level, ws.links, locking)
            # Pass 1: mark the unvisited neighbours and start loading their vectors.
            count = links[0]
            n_fresh = 0
            for j in range(1, count + 1):
                e = links[j]
                if visited[e] != tag:
                    visited[e] = tag
                    ws.fresh[n_fresh] = e
                    n_fresh += 1
                    LK_PREFETCH(self.vec(e))
            # Pass 2: their distances, loading the next vector meanwhile.
            nearest = cursor + 1
            for j in range(n_fresh):
                e = ws.fresh[j]
                if j + 1 < n_fresh:
                    self.prefetch_vec(ws.fresh[j + 1])
                key = beam_key(self.dist(q, self.vec(e)), e)
                if key < beam_bound(beam):
                    pos = beam_insert(beam, key)
                    if pos < 0:
                        return STATUS_NO_MEMORY
                    if pos < nearest:
                        nearest = pos
            cursor = nearest
            while cursor < beam.n and beam.keys[cursor] & 1:
                cursor += 1
        return STATUS_OK

    cdef Py_ssize_t select_neighbours(self, const Cand* cands, Py_ssize_t n, Py_ssize_t m,
                                      Cand* out) noexcept nogil:
        # Heuristic of the paper (algorithm 4): `cands` sorted closest first; keep a
        # candidate only when it is closer to the base than to every kept one.
        cdef Py_ssize_t i, j, kept = 0
        cdef bint good
        for i in range(n):
            if kept >= m:
                break
            good = True
            for j in range(kept):
                if self.dist(self.vec(cands[i].id), self.vec(out[j].id)) < cands[i].d:
                    good = False
                    break
            if good:
                out[kept] = cands[i]
                kept += 1
        return kept

    cdef void link_back(self, int32_t node, Cand target, int level, Workspace* ws,
                        bint locking) noexcept nogil:
        # Add `node` to the list of `target.id` on `level` (once), thinning it when full.
        cdef Py_ssize_t mmax = self.m0 if level == 0 else self.M
        cdef int32_t* links = self.links_at(target.id, level)
        cdef Py_ssize_t count, j, kept
        cdef const float* base
        if locking:
            lk_spin_lock(&self.locks[target.id])
        count = links[0]
        for j in range(1, count + 1):
            if links[j] == node:  # a concurrent insertion linked the pair already
                count = -1
                break
        if count < 0:
            pass
        elif count < mmax:
            links[count + 1] = node
            links[0] = <int32_t>(count + 1)
        else:
            base = self.vec(target.id)
            for j in range(count):
                ws.pruned[j].id = links[j + 1]
                ws.pruned[j].d = self.dist(base, self.vec(links[j + 1]))
            ws.pruned[count].id = node
            ws.pruned[count].d = target.d
            sort_ascending(ws.pruned, count + 1)
            kept = self.select_neighbours(ws.pruned, count + 1, mmax, ws.kept)
            for j in range(kept):
                links[j + 1] = ws.kept[j].id
            links[0] = <int32_t>kept
        if locking:
            lk_spin_unlock(&self.locks[target.id])

    cdef void merge_links(self, int32_t node, int level, Py_ssize_t m,
                          Workspace* ws) noexcept nogil:
        # Set the list of `node` to its `m` chosen neighbours plus the links already
        # there, thinned by the heuristic when they exceed the layer's maximum.
        cdef Py_ssize_t mmax = self.m0 if level == 0 else self.M
        cdef int32_t* links = self.links_at(node, level)
        cdef const float* base = self.vec(node)
        cdef Py_ssize_t count = links[0], total = m, i, j
        cdef bint known
        for j in range(m):
            ws.pruned[j] = ws.chosen[j]
        for i in range(1, count + 1):
            known = False
            for j in range(m):
                if ws.chosen[j].id == links[i]:
                    known = True
                    break
            if not known:
                ws.pruned[total].id = links[i]
                ws.pruned[total].d = self.dist(base, self.vec(links[i]))
                total += 1
        sort_ascending(ws.pruned, total)
        if total > mmax:
            total = self.select_neighbours(ws.pruned, total, mmax, ws.kept)
            memcpy(ws.pruned, ws.kept, total * sizeof(Cand))
        for j in range(total):
            links[j + 1] = ws.pruned[j].id
        links[0] = <int32_t>total

    cdef int insert(self, int32_t node, Workspace* ws, int slot, bint locking) noexcept nogil:
        cdef int level = self.levels[node]
        cdef const float* q = self.vec(node)
        cdef int32_t ep
        cdef float ep_d
        cdef int lv, top, status = STATUS_OK
        cdef bint raises_top
        cdef Py_ssize_t n, m, j
        cdef int32_t* links
        if locking:
            lk_spin_lock(&self.graph_lock)
        ep = self.entry
        top = self.max_level
        if ep < 0:
            self.entry = node
            self.max_level = level
            if locking:
                lk_spin_unlock(&self.graph_lock)
            return STATUS_OK
        # An insertion that raises the top layer keeps the graph lock to its end,
        # so no other thread starts from a half-linked entry point.
        raises_top = level > top
        if locking and not raises_top:
            lk_spin_unlock(&self.graph_lock)
        ep_d = self.dist(q, self.vec(ep))
        ep = self.greedy_descent(q, ep, &ep_d, top, level, ws, locking)
        for lv in range(min(level, top), -1, -1):
            status = self.search_layer(q, ep, ep_d, lv, ws, slot, False, node, locking)
            if status != STATUS_OK:
                break
            n = beam_results(&ws.beam, ws.results)
            ep = ws.results[0].id
            ep_d = ws.results[0].d
            m = self.select_neighbours(ws.results, n, self.M, ws.chosen)
            links = self.links_at(node, lv)
            if locking:
                lk_spin_lock(&self.locks[node])
            if links[0] == 0:
                for j in range(m):
                    links[j + 1] = ws.chosen[j].id
                links[0] = <int32_t>m
            else:  # concurrent insertions linked to the node already: keep their links
                self.merge_links(node, lv, m, ws)
            if locking:
                lk_spin_unlock(&self.locks[node])
            for j in range(m):
                self.link_back(node, ws.chosen[j], lv, ws, locking)
        if raises_top:
            self.entry = node
            self.max_level = level
            if locking:
                lk_spin_unlock(&self.graph_lock)
        return status

    def _link_pending(self, int slot, bint locking):
        # Body of one `add` worker: link nodes from the shared counter until none is left.
        cdef Workspace ws
        cdef int64_t node
        # A beam wider than the graph holds every node all the same: cap it there, so an
        # absurd ef_construction costs nothing (the graph built is the same).
        cdef Py_ssize_t width = min(<Py_ssize_t>self.ef_construction, <Py_ssize_t>self.end_node)
        with nogil:
            if workspace_init(&ws, width, self.m0) != STATUS_OK:
                self.status = STATUS_NO_MEMORY
            else:
                while self.status == STATUS_OK:
                    node = lk_fetch_add_i64(&self.next_node, 1)
                    if node >= self.end_node:
                        break
                    if self.insert(<int32_t>node, &ws, slot, locking) != STATUS_OK:
                        self.status = STATUS_NO_MEMORY
            workspace_free(&ws)

    # -- Python-level entry points --------------------------------------------

    def add(self, const float[:, ::1] vectors, int n_threads=1):   # IN (n, dim)
        """Append and link ``vectors`` from ``n_threads`` threads; return the first node id."""
        cdef Py_ssize_t n = vectors.shape[0], first = self.size, i, rows = 0
        cdef int level
        cdef double u
        if n == 0:
            return first
        if first + n > self.capacity:
            self.reserve(max(first + n, 2 * self.capacity))
        self._data[first:first + n] = vectors
        new_levels = np.empty(n, dtype=np.int32)
        for i in range(n):
            u = (splitmix64(&self.rng_state) >> 11) * (1.0 / 9007199254740992.0)
            level = <int>floor(-log(1.0 - u) * self.level_mult)
            new_levels[i] = level
        self._levels[first:first + n] = new_levels
        offsets = np.full(n, -1, dtype=np.int64)
        upper_mask = new_levels > 0
        if upper_mask.any():
            counts = new_levels[upper_mask].astype(np.int64)
            offsets[upper_mask] = self.upper_rows + np.cumsum(counts) - counts
            rows = int(counts.sum())
            if self.upper_rows + rows > self._upper.shape[0]:
                grown_rows = max(self.upper_rows + rows, 2 * self._upper.shape[0])
                self._upper = HNSWGraph._grown(self._upper, (grown_rows, self.M + 1))
        self._upper_offset[first:first + n] = offsets
        self._links0[first:first + n] = 0
        self._deleted[first:first + n] = 0
        self.upper_rows += rows
        self._refresh()
        self.size = first + n
        self.status = STATUS_OK
        self.next_node = first
        self.end_node = first + n
        n_threads = <int>max(1, min(n_threads, n))
        if n_threads == 1:
            self._link_pending(0, False)
        else:
            self.set_slots(n_threads)
            if self.entry < 0:  # the first node is the entry point before the threads start
                self.entry = <int32_t>first
                self.max_level = new_levels[0]
                self.next_node = first + 1
            workers = [threading.Thread(target=self._link_pending, args=(slot, True),
                                        name="lukhas-hnsw-add")
                       for slot in range(1, n_threads)]
            for worker in workers:
                worker.start()
            self._link_pending(0, True)
            _join_all(workers)
        if self.status != STATUS_OK:
            raise MemoryError("HNSW insertion ran out of memory")
        return first

    def search(
        self,
        const float[:, ::1] queries,    # IN  (n, dim)
        Py_ssize_t ef,                  # IN  beam width, >= k
        int slot,                       # IN  visited buffer owned by this caller
        const int64_t[::1] labels,      # IN  (size,) label of each node
        int64_t[:, ::1] out_ids,        # OUT (n, k) labels, closest first, -1 padding
        float[:, ::1] out_dist,         # OUT (n, k) distances, +inf padding
    ):
        """Search the graph for each query row (IN/OUT convention); releases the GIL.

        Equal distances come in label order.
        """
        cdef Py_ssize_t n = queries.shape[0], k = out_ids.shape[1], i, j, found
        cdef int status = STATUS_OK
        cdef int32_t ep
        cdef float ep_d
        cdef const float* q
        cdef const int64_t* label_of = &labels[0] if labels.shape[0] > 0 else NULL
        cdef Workspace ws
        with nogil:
            if workspace_init(&ws, ef, self.m0) != STATUS_OK:
                status = STATUS_NO_MEMORY
            else:
                for i in range(n):
                    found = 0
                    if self.entry >= 0:
                        q = &queries[i, 0]
                        ep = self.entry
                        ep_d = self.dist(q, self.vec(ep))
                        ep = self.greedy_descent(q, ep, &ep_d, self.max_level, 0, &ws, False)
                        status = self.search_layer(q, ep, ep_d, 0, &ws, slot, True, -1, False)
                        if status != STATUS_OK:
                            break
                        found = beam_results(&ws.beam, ws.results)
                        order_ties_by_label(ws.results, found, label_of)
                    for j in range(k):
                        if j < found:
                            out_ids[i, j] = label_of[ws.results[j].id]
                            out_dist[i, j] = ws.results[j].d
                        else:
                            out_ids[i, j] = -1
                            out_dist[i, j] = INFINITY
            workspace_free(&ws)
        if status != STATUS_OK:
            raise MemoryError("HNSW search ran out of memory")

    def search_one(self, object query, Py_ssize_t k, Py_ssize_t ef, int slot,
                   object labels, bint unit, double limit):
        """The fast path of one 1-D query: ``(ids, scores)`` of shape (k,), or None.

        None (the caller then takes the general, validating path) unless ``query`` is
        an exact, aligned, C-contiguous, native float32 ndarray of shape (dim,) whose
        entries are finite, with ``sum(q**2) <= limit``.  ``unit`` normalises the
        query first (cosine).  Scores are the metric's: squared L2, or similarities
        ``<q, x>`` (-inf padding) for the inner-product kernel.  ``labels`` is the
        trusted int64 label array; ``1 <= k <= ef``.  Releases the GIL.
        """
        cdef cnp.ndarray q
        if not (cnp.PyArray_CheckExact(query)
                and cnp.PyArray_NDIM(<cnp.ndarray> query) == 1
                and cnp.PyArray_TYPE(<cnp.ndarray> query) == cnp.NPY_FLOAT32
                and cnp.PyArray_ISCARRAY_RO(<cnp.ndarray> query)
                and cnp.PyArray_ISNOTSWAPPED(<cnp.ndarray> query)
                and cnp.PyArray_DIM(<cnp.ndarray> query, 0) == self.dim):
            return None
        q = <cnp.ndarray> query
        cdef const float* qp = <const float*> cnp.PyArray_DATA(q)
        cdef Py_ssize_t j, found = 0
        cdef double sq = 0.0, v
        for j in range(self.dim):
            v = qp[j]
            if not (v - v == 0.0):  # NaN or infinity
                return None
            sq += v * v
        if sq > limit or (unit and sq == 0.0):
            return None
        cdef cnp.npy_intp dims[1]
        dims[0] = k
        cdef cnp.ndarray ids = cnp.PyArray_EMPTY(1, dims, cnp.NPY_INT64, 0)
        cdef cnp.ndarray scores = cnp.PyArray_EMPTY(1, dims, cnp.NPY_FLOAT32, 0)
        cdef int64_t* out_ids = <int64_t*> cnp.PyArray_DATA(ids)
        cdef float* out_d = <float*> cnp.PyArray_DATA(scores)
        cdef const int64_t* label_of = <const int64_t*> cnp.PyArray_DATA(<cnp.ndarray> labels)
        cdef float* scaled = NULL
        cdef int status = STATUS_OK
        cdef int32_t ep
        cdef float ep_d
        cdef double norm
        cdef bint ip = self.metric != 0
        cdef Workspace ws
        with nogil:
            if unit:
                scaled = <float*> malloc(self.dim * sizeof(float))
                if scaled == NULL:
                    status = STATUS_NO_MEMORY
                else:
                    norm = sqrt(sq)  # divide in double, round once: as the general path
                    for j in range(self.dim):
                        scaled[j] = <float> (<double> qp[j] / norm)
                    qp = scaled
            if status == STATUS_OK:
                if workspace_init(&ws, ef, self.m0) != STATUS_OK:
                    status = STATUS_NO_MEMORY
                elif self.entry >= 0:
                    ep = self.entry
                    ep_d = self.dist(qp, self.vec(ep))
                    ep = self.greedy_descent(qp, ep, &ep_d, self.max_level, 0, &ws, False)
                    status = self.search_layer(qp, ep, ep_d, 0, &ws, slot, True, -1, False)
                    if status == STATUS_OK:
                        found = beam_results(&ws.beam, ws.results)
                        order_ties_by_label(ws.results, found, label_of)
                if status == STATUS_OK:
                    for j in range(k):
                        if j < found:
                            out_ids[j] = label_of[ws.results[j].id]
                            out_d[j] = 1.0 - ws.results[j].d if ip else ws.results[j].d
                        else:
                            out_ids[j] = -1
                            out_d[j] = -INFINITY if ip else INFINITY
                workspace_free(&ws)
            free(scaled)
        if status != STATUS_OK:
            raise MemoryError("HNSW search ran out of memory")
        return ids, scores

    def mark_deleted(self, const int32_t[::1] nodes):   # IN node ids
        """Mark nodes deleted: they keep routing searches but never appear in results."""
        cdef Py_ssize_t i
        for i in range(nodes.shape[0]):
            if not self.deleted[nodes[i]]:
                self.deleted[nodes[i]] = 1
                self.n_deleted += 1

    def vectors(self):
        """Read-only view of the stored vectors, shape (size, dim)."""
        view = self._data[: self.size]
        view.flags.writeable = False
        return view

    def deleted_mask(self):
        """Read-only view of the deletion marks, shape (size,)."""
        view = self._deleted[: self.size].view(np.bool_)
        view.flags.writeable = False
        return view

    def state(self):
        """Every array and scalar of the graph, trimmed to its size (for saving)."""
        return {
            "dim": self.dim, "M": self.M, "ef_construction": self.ef_construction,
            "metric": self.metric, "rng_state": self.rng_state, "entry": self.entry,
            "max_level": self.max_level,
            "data": self._data[: self.size].copy(),
            "links0": self._links0[: self.size].copy(),
            "levels": self._levels[: self.size].copy(),
            "upper_offset": self._upper_offset[: self.size].copy(),
            "upper": self._upper[: self.upper_rows].copy(),
            "deleted": self._deleted[: self.size].copy(),
        }

    @staticmethod
    def from_state(dict state, int n_slots=1):
        """Rebuild a graph from :meth:`state` output (trusted: checked by the caller)."""
        data = state["data"]
        cdef Py_ssize_t size = data.shape[0]
        cdef HNSWGraph g = HNSWGraph(
            int(state["dim"]), int(state["M"]), int(state["ef_construction"]),
            int(state["metric"]), int(state["rng_state"]), max(size, 16), n_slots)
        g._data[:size] = data
        g._links0[:size] = state["links0"]
        g._levels[:size] = state["levels"]
        g._upper_offset[:size] = state["upper_offset"]
        g._deleted[:size] = state["deleted"]
        g._upper = np.ascontiguousarray(state["upper"], dtype=np.int32).copy()
        g.upper_rows = g._upper.shape[0]
        g.size = size
        g.entry = int(state["entry"])
        g.max_level = int(state["max_level"])
        g.n_deleted = int(np.count_nonzero(g._deleted[:size]))
        g._refresh()
        return g
