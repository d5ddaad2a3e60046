# cython: auto_pickle=False
"""A hierarchical navigable small world graph (Malkov and Yashunin, 2016/2018).

``HNSWGraph`` holds every structure of the graph in numpy-owned C arrays, so
the graph can be saved, loaded and grown without Python objects inside it:

* ``data``: (capacity, dim) float32 vectors, one row per node;
* ``links0``: (capacity, 2M + 1) int32 layer-0 adjacency, column 0 the count;
* ``levels``: (capacity,) int32 top layer of each node;
* ``upper_offset``: (capacity,) int64 first row of the node in ``upper``, or -1;
* ``upper``: (pool, M + 1) int32 adjacency of layers 1.. (row offset + layer - 1);
* ``deleted``: (capacity,) uint8 deletion marks.

Nodes are dense int32 ids in insertion order; callers map them to labels.
Distances are squared L2 (``METRIC_L2``) or ``1 - <a, b>`` (``METRIC_IP``).

Insertion follows the paper: a random top layer ``floor(-ln(U) / ln(M))``,
greedy descent to that layer, then on each lower layer a beam search of width
``ef_construction`` whose result is thinned by the neighbour-selection
heuristic (algorithm 4) and linked both ways; overfull neighbour lists are
thinned by the same heuristic.  Deleted nodes stay in the graph as waypoints
and never appear in results.

Searches only read the graph.  Each concurrent search uses its own ``slot``
(a visited-marks buffer), so searches on distinct slots may run at the same
time from several threads; they release the GIL.  ``add`` and ``mark_deleted``
must not run concurrently with anything else: the public wrapper serialises
them.
"""

cimport numpy as cnp
from libc.math cimport INFINITY, floor, log
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memset

import numpy as np

cnp.import_array()

cdef extern from "lk_vecdist.h" nogil:
    ctypedef float (*lk_dist_fn)(const float *a, const float *b, size_t n)
    lk_dist_fn lk_dot_f32_impl()
    lk_dist_fn lk_l2sq_f32_impl()
    const char *lk_vecdist_simd_name()

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


def simd_name():
    """Name of the distance loop this CPU runs: avx512, avx2 or scalar."""
    return lk_vecdist_simd_name().decode("ascii")


# ----------------------------------------------------------------------------
# A max-heap of (distance, node) pairs; ties broken by the larger node id.

cdef struct Cand:
    float d
    int32_t id


cdef struct CandHeap:
    Cand* a
    Py_ssize_t n
    Py_ssize_t cap


cdef inline bint cand_above(Cand x, Cand y) noexcept nogil:
    return x.d > y.d or (x.d == y.d and x.id > y.id)


cdef int heap_push(CandHeap* h, float d, int32_t ident) noexcept nogil:
    cdef Py_ssize_t pos, parent, newcap
    cdef Cand* grown
    cdef Cand c
    if h.n == h.cap:
        newcap = 2 * h.cap + 16
        grown = <Cand*>realloc(h.a, newcap * sizeof(Cand))
        if grown == NULL:
            return STATUS_NO_MEMORY
        h.a = grown
        h.cap = newcap
    c.d = d
    c.id = ident
    pos = h.n
    h.n += 1
    while pos > 0:
        parent = (pos - 1) >> 1
        if not cand_above(c, h.a[parent]):
            break
        h.a[pos] = h.a[parent]
        pos = parent
    h.a[pos] = c
    return STATUS_OK


cdef Cand heap_pop(CandHeap* h) noexcept nogil:
    cdef Cand top = h.a[0]
    cdef Cand last
    cdef Py_ssize_t pos = 0, child
    h.n -= 1
    if h.n > 0:
        last = h.a[h.n]
        while True:
            child = 2 * pos + 1
            if child >= h.n:
                break
            if child + 1 < h.n and cand_above(h.a[child + 1], h.a[child]):
                child += 1
            if not cand_above(h.a[child], last):
                break
            h.a[pos] = h.a[child]
            pos = child
        h.a[pos] = last
    return top


cdef Py_ssize_t heap_drain_ascending(CandHeap* h, Cand* out) noexcept nogil:
    # Empty the heap into `out`, closest first; return the count.
    cdef Py_ssize_t n = h.n
    cdef Py_ssize_t i = n
    while i > 0:
        i -= 1
        out[i] = heap_pop(h)
    return n


cdef void sort_ascending(Cand* a, Py_ssize_t n) noexcept nogil:
    # Insertion sort: n is at most 2M + 1.
    cdef Py_ssize_t i, j
    cdef Cand x
    for i in range(1, n):
        x = a[i]
        j = i - 1
        while j >= 0 and cand_above(a[j], x):
            a[j + 1] = a[j]
            j -= 1
        a[j + 1] = x


# Scratch memory of one search or insertion (one per concurrent caller).
cdef struct Workspace:
    CandHeap cand      # frontier, distances negated (closest at the root)
    CandHeap res       # best results so far (farthest at the root)
    Cand* sorted_res   # res drained, closest first; capacity `sorted_cap`
    Py_ssize_t sorted_cap
    Cand* chosen       # neighbours picked for the new node (capacity 2M + 1)
    Cand* pruned       # a neighbour's list being thinned (capacity 2M + 1)
    Cand* kept         # its thinned list (capacity 2M + 1)


cdef int workspace_init(Workspace* ws, Py_ssize_t ef, Py_ssize_t m0) noexcept nogil:
    ws.cand.n = 0
    ws.cand.cap = 2 * ef + 16
    ws.cand.a = <Cand*>malloc(ws.cand.cap * sizeof(Cand))
    ws.res.n = 0
    ws.res.cap = ef + 2
    ws.res.a = <Cand*>malloc(ws.res.cap * sizeof(Cand))
    ws.sorted_cap = ef + 2
    ws.sorted_res = <Cand*>malloc(ws.sorted_cap * sizeof(Cand))
    ws.chosen = <Cand*>malloc((m0 + 1) * sizeof(Cand))
    ws.pruned = <Cand*>malloc((m0 + 1) * sizeof(Cand))
    ws.kept = <Cand*>malloc((m0 + 1) * sizeof(Cand))
    if (ws.cand.a == NULL or ws.res.a == NULL or ws.sorted_res == NULL
            or ws.chosen == NULL or ws.pruned == NULL or ws.kept == NULL):
        return STATUS_NO_MEMORY
    return STATUS_OK


cdef void workspace_free(Workspace* ws) noexcept nogil:
    free(ws.cand.a)
    free(ws.res.a)
    free(ws.sorted_res)
    free(ws.chosen)
    free(ws.pruned)
    free(ws.kept)


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
    cdef object _data, _links0, _levels, _upper_offset, _upper, _deleted, _visited, _tags
    cdef float* data
    cdef int32_t* links0
    cdef int32_t* levels
    cdef int64_t* upper_offset
    cdef int32_t* upper
    cdef uint8_t* deleted
    cdef uint32_t* visited
    cdef uint32_t* tags
    cdef readonly int n_slots

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
        self._data = np.zeros((0, dim), dtype=np.float32)
        self._links0 = np.zeros((0, self.m0 + 1), dtype=np.int32)
        self._levels = np.zeros(0, dtype=np.int32)
        self._upper_offset = np.zeros(0, dtype=np.int64)
        self._upper = np.zeros((0, M + 1), dtype=np.int32)
        self._deleted = np.zeros(0, dtype=np.uint8)
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

    cdef inline int32_t* links_at(self, int32_t node, int level) noexcept nogil:
        if level == 0:
            return self.links0 + <Py_ssize_t>node * (self.m0 + 1)
        return self.upper + (self.upper_offset[node] + level - 1) * (self.M + 1)

    cdef inline uint32_t next_tag(self, int slot) noexcept nogil:
        cdef uint32_t tag = self.tags[slot] + 1
        if tag == 0:  # wrapped: forget every old mark
            memset(self.visited + <Py_ssize_t>slot * self.capacity, 0,
                   self.capacity * sizeof(uint32_t))
            tag = 1
        self.tags[slot] = tag
        return tag

    cdef int32_t greedy_descent(self, const float* q, int32_t cur, float* cur_d,
                                int top, int bottom) noexcept nogil:
        # Walk from layer `top` down to layer `bottom` + 1, always to the closest neighbour.
        cdef int level, j, count
        cdef bint changed
        cdef int32_t* links
        cdef int32_t e
        cdef float d
        for level in range(top, bottom, -1):
            changed = True
            while changed:
                changed = False
                links = self.links_at(cur, level)
                count = links[0]
                for j in range(1, count + 1):
                    e = links[j]
                    d = self.dist(q, self.vec(e))
                    if d < cur_d[0]:
                        cur_d[0] = d
                        cur = e
                        changed = True
        return cur

    cdef int search_layer(self, const float* q, int32_t ep, float ep_d, Py_ssize_t ef,
                          int level, Workspace* ws, int slot, bint skip_deleted) noexcept nogil:
        # Beam search on one layer; leaves at most `ef` results in ws.res.
        cdef uint32_t tag = self.next_tag(slot)
        cdef uint32_t* visited = self.visited + <Py_ssize_t>slot * self.capacity
        cdef int32_t* links
        cdef int32_t e
        cdef int count, j
        cdef float d, lower
        cdef Cand c
        ws.cand.n = 0
        ws.res.n = 0
        visited[ep] = tag
        if not (skip_deleted and self.deleted[ep]):
            if heap_push(&ws.res, ep_d, ep) != STATUS_OK:
                return STATUS_NO_MEMORY
        if heap_push(&ws.cand, -ep_d, ep) != STATUS_OK:
            return STATUS_NO_MEMORY
        lower = ws.res.a[0].d if ws.res.n > 0 else INFINITY
        while ws.cand.n > 0:
            c = ws.cand.a[0]
            if -c.d > lower and ws.res.n >= ef:
                break
            heap_pop(&ws.cand)
            links = self.links_at(c.id, level)
            count = links[0]
            if count > 0:
                LK_PREFETCH(visited + links[1])
                LK_PREFETCH(self.vec(links[1]))
            for j in range(1, count + 1):
                e = links[j]
                if j < count:
                    LK_PREFETCH(visited + links[j + 1])
                    LK_PREFETCH(self.vec(links[j + 1]))
                if visited[e] == tag:
                    continue
                visited[e] = tag
                d = self.dist(q, self.vec(e))
                if ws.res.n < ef or d < lower:
                    if heap_push(&ws.cand, -d, e) != STATUS_OK:
                        return STATUS_NO_MEMORY
                    if not (skip_deleted and self.deleted[e]):
                        if heap_push(&ws.res, d, e) != STATUS_OK:
                            return STATUS_NO_MEMORY
                        if ws.res.n > ef:
                            heap_pop(&ws.res)
                    if ws.res.n > 0:
                        lower = ws.res.a[0].d
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

    cdef int link_back(self, int32_t node, Cand target, int level, Workspace* ws) noexcept nogil:
        # Add `node` to the list of `target.id` on `level`, thinning it when full.
        cdef Py_ssize_t mmax = self.m0 if level == 0 else self.M
        cdef int32_t* links = self.links_at(target.id, level)
        cdef Py_ssize_t count = links[0], j, kept
        cdef const float* base
        if count < mmax:
            links[count + 1] = node
            links[0] = <int32_t>(count + 1)
            return STATUS_OK
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
        return STATUS_OK

    cdef int insert(self, int32_t node, Workspace* ws) noexcept nogil:
        cdef int level = self.levels[node]
        cdef const float* q = self.vec(node)
        cdef int32_t ep
        cdef float ep_d
        cdef int lv, status
        cdef Py_ssize_t n, m, j
        cdef int32_t* links
        if self.entry < 0:
            self.entry = node
            self.max_level = level
            return STATUS_OK
        ep = self.entry
        ep_d = self.dist(q, self.vec(ep))
        ep = self.greedy_descent(q, ep, &ep_d, self.max_level, level)
        for lv in range(min(level, self.max_level), -1, -1):
            status = self.search_layer(q, ep, ep_d, self.ef_construction, lv, ws, 0, False)
            if status != STATUS_OK:
                return status
            n = heap_drain_ascending(&ws.res, ws.sorted_res)
            ep = ws.sorted_res[0].id
            ep_d = ws.sorted_res[0].d
            m = self.select_neighbours(ws.sorted_res, n, self.M, ws.chosen)
            links = self.links_at(node, lv)
            for j in range(m):
                links[j + 1] = ws.chosen[j].id
            links[0] = <int32_t>m
            for j in range(m):
                self.link_back(node, ws.chosen[j], lv, ws)
        if level > self.max_level:
            self.entry = node
            self.max_level = level
        return STATUS_OK

    # -- Python-level entry points --------------------------------------------

    def add(self, const float[:, ::1] vectors):   # IN (n, dim)
        """Append and link ``vectors``; return the node id of the first one."""
        cdef Py_ssize_t n = vectors.shape[0], first = self.size, i, rows = 0
        cdef int level, status = STATUS_OK
        cdef double u
        cdef Workspace ws
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
        with nogil:
            if workspace_init(&ws, self.ef_construction, self.m0) != STATUS_OK:
                status = STATUS_NO_MEMORY
            else:
                for i in range(first, first + n):
                    status = self.insert(<int32_t>i, &ws)
                    if status != STATUS_OK:
                        break
            workspace_free(&ws)
        if status != STATUS_OK:
            raise MemoryError("HNSW insertion ran out of memory")
        return first

    def search(
        self,
        const float[:, ::1] queries,    # IN  (n, dim)
        Py_ssize_t ef,                  # IN  beam width, >= k
        int slot,                       # IN  visited buffer owned by this caller
        int64_t[:, ::1] out_nodes,      # OUT (n, k) node ids, closest first, -1 padding
        float[:, ::1] out_dist,         # OUT (n, k) distances, +inf padding
    ):
        """Search the graph for each query row (IN/OUT convention); releases the GIL."""
        cdef Py_ssize_t n = queries.shape[0], k = out_nodes.shape[1], i, j, found
        cdef int status = STATUS_OK
        cdef int32_t ep
        cdef float ep_d
        cdef const float* q
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
                        ep = self.greedy_descent(q, ep, &ep_d, self.max_level, 0)
                        status = self.search_layer(q, ep, ep_d, ef, 0, &ws, slot, True)
                        if status != STATUS_OK:
                            break
                        found = heap_drain_ascending(&ws.res, ws.sorted_res)
                    for j in range(k):
                        if j < found:
                            out_nodes[i, j] = ws.sorted_res[j].id
                            out_dist[i, j] = ws.sorted_res[j].d
                        else:
                            out_nodes[i, j] = -1
                            out_dist[i, j] = INFINITY
            workspace_free(&ws)
        if status != STATUS_OK:
            raise MemoryError("HNSW search ran out of memory")

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
