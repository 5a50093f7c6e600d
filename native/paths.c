/*
 * code2vec path-contexts in C, for memaudit's flat addon (included by flat.c: one translation
 * unit, one N-API module).
 *
 * The same enumeration, selection sampling and result order as server/src/parse/paths.ts (its
 * module comment gives the definitions and the algorithm): the JS there stays the reference and
 * the path of the other backends; tests check that both give the same contexts, path strings
 * and order. Here the path table is a local one: each distinct path (its node labels and where
 * its LCA is) gets the next local id; the caller names the new ones (it receives their label
 * sequences) and maps local ids to its own string table's ids.
 *
 * Why C: on the JDK's sources the JS version cost about a quarter of an extraction worker's JS
 * time, most of it in the path table's lookups (cache misses on a table of some 10^5-10^6
 * entries) and in JIT-compiled integer loops that C runs with fewer instructions and no warm-up.
 */

/* "memaudit", "paths": the tag of path-table handles. */
static const napi_type_tag PATHS_TYPE_TAG = {0x6D656D6175646974ULL, 0x7061746873A1B2C3ULL};

/* A terminal's record at one of its ancestors (see paths.ts). */
typedef struct {
  int32_t a, child, depth, term;
} Record;

/*
 * One path of the table, in 32 bytes (half a cache line): a lookup reads one slot and, for the
 * few paths longer than 8 nodes or with labels beyond 16 bits, their labels in `arena`.
 */
typedef struct {
  uint32_t hash;
  /* Local id + 1; 0 for an empty slot. */
  int32_t id1;
  /* len | up << 16. */
  int32_t shape;
  /* Labels two to a word (the first in the low half) when inline; zero beyond the path. */
  uint32_t packed[4];
  /* Offset + 1 of the labels in `arena` when not inline, else 0. */
  uint32_t over;
} PathSlot;

/* A path's hash and the form a slot compares (see PathSlot). */
typedef struct {
  uint32_t hash;
  int32_t shape;
  uint32_t packed[4];
  bool inline_;
} PathKey;

#define PATH_INLINE 8
/* Entries of the cache of recently met paths (direct-mapped; a power of two). */
#define PATH_RECENT 4096

typedef struct {
  /* Open addressing, linear probing, at most half full. */
  PathSlot *slots;
  size_t mask;
  uint32_t count;
  /* The recently met inline paths, by hash: most lookups end here, in the processor's caches
   * (a corpus's paths are Zipf-like; the table outgrows the caches on big corpora). */
  PathSlot *recent;
  /* Labels of the paths that are not inline. */
  int32_t *arena;
  size_t arena_len, arena_cap;
  /* Scratch of one method (see paths.ts: records, their order by ancestor, buckets, pairs, a path). */
  Record *rec;
  size_t rec_cap;
  int32_t *sorted;
  size_t sorted_cap;
  int32_t *bucket;
  size_t bucket_cap;
  int32_t *pairs;
  size_t pairs_cap;
  /* The chosen paths of one method: their labels (L per path) and keys. */
  int32_t *seq;
  size_t seq_cap;
  PathKey *keys;
  size_t keys_cap;
} PathTable;

static void finalize_paths(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  PathTable *t = (PathTable *)data;
  free(t->slots);
  free(t->recent);
  free(t->arena);
  free(t->rec);
  free(t->sorted);
  free(t->bucket);
  free(t->pairs);
  free(t->seq);
  free(t->keys);
  free(t);
}

#define PATHS_INITIAL_SLOTS 4096

/* createPathTable() -> handle (an external; freed by the garbage collector). */
static napi_value create_path_table(napi_env env, napi_callback_info info) {
  (void)info;
  PathTable *t = (PathTable *)calloc(1, sizeof *t);
  if (t == NULL) return throw_error(env, "out of memory");
  t->slots = (PathSlot *)calloc(PATHS_INITIAL_SLOTS, sizeof(PathSlot));
  t->recent = (PathSlot *)calloc(PATH_RECENT, sizeof(PathSlot));
  t->mask = PATHS_INITIAL_SLOTS - 1;
  if (t->slots == NULL || t->recent == NULL) {
    finalize_paths(env, t, NULL);
    return throw_error(env, "out of memory");
  }
  return tagged_external(env, t, finalize_paths, &PATHS_TYPE_TAG);
}

/* Doubles the slots; false when out of memory (the table is unchanged then). */
static bool paths_rehash(PathTable *t) {
  size_t n = 2 * (t->mask + 1);
  PathSlot *slots = (PathSlot *)calloc(n, sizeof(PathSlot));
  if (slots == NULL) return false;
  for (size_t s = 0; s <= t->mask; s++) {
    if (t->slots[s].id1 == 0) continue;
    size_t b = t->slots[s].hash & (n - 1);
    while (slots[b].id1 != 0) b = (b + 1) & (n - 1);
    slots[b] = t->slots[s];
  }
  free(t->slots);
  t->slots = slots;
  t->mask = n - 1;
  return true;
}

static bool same_path(const PathTable *t, const PathSlot *s, uint32_t h, int32_t shape, bool inline_, const uint32_t *packed, const int32_t *seq, int32_t len) {
  if (s->hash != h || s->shape != shape || s->id1 == 0) return false;
  if (inline_) return s->over == 0 && s->packed[0] == packed[0] && s->packed[1] == packed[1] && s->packed[2] == packed[2] && s->packed[3] == packed[3];
  return s->over != 0 && memcmp(t->arena + (s->over - 1), seq, (size_t)len * sizeof(int32_t)) == 0;
}

static PathKey path_key(const int32_t *seq, int32_t len, int32_t up) {
  /* FNV-1a over the shape and the labels, then MurmurHash3's finalizer (FNV's low bits mix poorly). */
  PathKey k = {0, len | (up << 16), {0, 0, 0, 0}, len <= PATH_INLINE};
  uint32_t h = 0x811c9dc5u ^ (uint32_t)k.shape;
  for (int32_t i = 0; i < len; i++) {
    const uint32_t v = (uint32_t)seq[i];
    h = (h ^ v) * 0x01000193u;
    if (v >> 16 != 0) k.inline_ = false;
    if (i < PATH_INLINE) k.packed[i >> 1] |= (v & 0xffffu) << (16 * (i & 1));
  }
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  k.hash = h;
  return k;
}

/*
 * Local id of the path seq[0..len) (its key `k`); a new path gets the next id and is appended to
 * `fresh` as [len, up, labels…] (*fresh_len advances). -1 when out of memory.
 */
static int64_t paths_intern(PathTable *t, const PathKey *k, const int32_t *seq, int32_t *fresh, size_t *fresh_len) {
  const int32_t len = k->shape & 0xffff, up = k->shape >> 16;
  PathSlot *r = &t->recent[k->hash & (PATH_RECENT - 1)];
  if (k->inline_ && same_path(t, r, k->hash, k->shape, true, k->packed, seq, len)) return r->id1 - 1;
  size_t b = k->hash & t->mask;
  for (; t->slots[b].id1 != 0; b = (b + 1) & t->mask) {
    if (same_path(t, &t->slots[b], k->hash, k->shape, k->inline_, k->packed, seq, len)) {
      if (k->inline_) *r = t->slots[b];
      return t->slots[b].id1 - 1;
    }
  }
  PathSlot s = {k->hash, (int32_t)t->count + 1, k->shape, {k->packed[0], k->packed[1], k->packed[2], k->packed[3]}, 0};
  if (!k->inline_) {
    if (t->arena_len + 1 > UINT32_MAX || !reserve((void **)&t->arena, &t->arena_cap, t->arena_len + (size_t)len, sizeof(int32_t))) return -1;
    memcpy(t->arena + t->arena_len, seq, (size_t)len * sizeof(int32_t));
    s.over = (uint32_t)t->arena_len + 1;
    t->arena_len += (size_t)len;
  }
  const int32_t id = (int32_t)t->count;
  t->slots[b] = s;
  if (k->inline_) *r = s;
  t->count++;
  fresh[(*fresh_len)++] = len;
  fresh[(*fresh_len)++] = up;
  memcpy(fresh + *fresh_len, seq, (size_t)len * sizeof(int32_t));
  *fresh_len += (size_t)len;
  if (2 * (size_t)t->count > t->mask + 1 && !paths_rehash(t)) return -1;
  return id;
}

/* sfc32 as `seededRandom` (server/src/parse/ids.ts) runs it: seeded by two words, 12 rounds of warm-up. */
typedef struct {
  uint32_t a, b, c, d;
} Sfc32;

static double sfc32_next(Sfc32 *r) {
  const uint32_t t = r->a + r->b + r->d;
  r->d += 1;
  r->a = r->b ^ (r->b >> 9);
  r->b = r->c + (r->c << 3);
  r->c = (r->c << 21) | (r->c >> 11);
  r->c += t;
  return (double)t / 4294967296.0;
}

static Sfc32 sfc32_seeded(uint32_t a, uint32_t b) {
  Sfc32 r = {a, b, a ^ 0x9e3779b9u, 1};
  for (int i = 0; i < 12; i++) sfc32_next(&r);
  return r;
}

/* An Int32Array argument: its elements and length. */
static napi_value get_int32_array(napi_env env, napi_value value, int32_t **data, size_t *length, const char *what) {
  bool is = false;
  CHECK(env, napi_is_typedarray(env, value, &is));
  napi_typedarray_type type;
  if (is) CHECK(env, napi_get_typedarray_info(env, value, &type, length, (void **)data, NULL, NULL));
  if (!is || type != napi_int32_array) {
    char message[128];
    snprintf(message, sizeof message, "pathContexts: %s must be an Int32Array", what);
    return throw_error(env, message);
  }
  napi_value ok;
  napi_get_boolean(env, true, &ok);
  return ok;
}

/* Grows one of the table's scratch arrays; false when out of memory. */
#define GROW(ptr, cap, need) reserve((void **)&(ptr), &(cap), (need), sizeof *(ptr))

/* Indices of `params` (an Int32Array): inputs, then what the call reports back. */
enum { P_M, P_SPAN, P_T, P_L, P_W, P_MAX_CONTEXTS, P_SEED_A, P_SEED_B, P_FRESH, P_COUNT };

/*
 * pathContexts(table, npar, nidx, label, terms, termTok, params, out, fresh) -> number of contexts.
 *
 * The method is the flat subtree [m, m + span) (npar, nidx, label: FlatTree's columns); `terms`
 * holds its T terminals in document order and `termTok` their tokens (the placeholder already
 * put in for the method's name). Writes (start token, local path id, end token) triples into
 * `out` (room for 3·n) and the label sequences of paths new to the table into `fresh` (room for
 * n·(L + 2)), as [len, up, labels…] in id order, where n = min(pairs, maxContexts) ≤
 * min(T(T-1)/2, maxContexts); params[P_FRESH] receives how many. Limits and seed in `params`
 * (see the enum).
 */
static napi_value path_contexts(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  if (get_args(env, info, 9, argv) == NULL) return NULL;
  PathTable *t = (PathTable *)unwrap_tagged(env, argv[0], &PATHS_TYPE_TAG, "pathContexts: expected a path table made by createPathTable");
  if (t == NULL) return NULL;
  int32_t *npar, *nidx, *label, *terms, *term_tok, *params, *out, *fresh;
  size_t n_npar, n_nidx, n_label, n_terms, n_term_tok, n_params, n_out, n_fresh;
  if (get_int32_array(env, argv[1], &npar, &n_npar, "npar") == NULL || get_int32_array(env, argv[2], &nidx, &n_nidx, "nidx") == NULL ||
      get_int32_array(env, argv[3], &label, &n_label, "label") == NULL || get_int32_array(env, argv[4], &terms, &n_terms, "terms") == NULL ||
      get_int32_array(env, argv[5], &term_tok, &n_term_tok, "termTok") == NULL || get_int32_array(env, argv[6], &params, &n_params, "params") == NULL ||
      get_int32_array(env, argv[7], &out, &n_out, "out") == NULL || get_int32_array(env, argv[8], &fresh, &n_fresh, "fresh") == NULL) {
    return NULL;
  }
  if (n_params < P_COUNT) return throw_error(env, "pathContexts: params is too short");
  const int32_t m = params[P_M], span = params[P_SPAN], T = params[P_T], L = params[P_L], W = params[P_W], max_contexts = params[P_MAX_CONTEXTS];
  params[P_FRESH] = 0;
  if (m < 0 || span < 1 || T < 0 || (size_t)m + (size_t)span > n_npar || (size_t)m + (size_t)span > n_nidx || (size_t)m + (size_t)span > n_label ||
      (size_t)T > n_terms || (size_t)T > n_term_tok) {
    return throw_error(env, "pathContexts: the method's range or terminals lie outside the arrays");
  }
  napi_value result;
  if (T < 2 || L < 3 || W < 1 || max_contexts <= 0) {
    CHECK(env, napi_create_int32(env, 0, &result));
    return result;
  }
  for (int32_t k = 0; k < T; k++) {
    if (terms[k] < m || terms[k] >= m + span) return throw_error(env, "pathContexts: a terminal lies outside the method");
  }

  /* Records (ancestor, child index at it, depth below it, terminal), as in paths.ts. */
  const int32_t max_up = L - 2;
  if (!GROW(t->rec, t->rec_cap, (size_t)T * (size_t)max_up)) return throw_error(env, "out of memory");
  Record *rec = t->rec;
  size_t R = 0;
  for (int32_t k = 0; k < T; k++) {
    int32_t c = terms[k];
    for (int32_t d = 1; d <= max_up; d++) {
      const int32_t a = npar[c];
      if (a < m) break;
      rec[R].a = a - m;
      rec[R].child = nidx[c];
      rec[R].depth = d;
      rec[R].term = k;
      R++;
      c = a;
    }
  }

  /* Stable counting sort of the records by ancestor; afterwards bucket[a] is the end of a's records. */
  if (!GROW(t->bucket, t->bucket_cap, (size_t)span + 1) || !GROW(t->sorted, t->sorted_cap, R == 0 ? 1 : R)) return throw_error(env, "out of memory");
  int32_t *bucket = t->bucket, *sorted = t->sorted;
  memset(bucket, 0, ((size_t)span + 1) * sizeof(int32_t));
  for (size_t r = 0; r < R; r++) bucket[rec[r].a + 1]++;
  for (int32_t a = 0; a < span; a++) bucket[a + 1] += bucket[a];
  for (size_t r = 0; r < R; r++) sorted[bucket[rec[r].a]++] = (int32_t)r;

  /* Pairs of records at a common ancestor, within the limits, in the order paths.ts makes them. */
  size_t P = 0;
  int32_t from = 0;
  for (int32_t a = 0; a < span; a++) {
    const int32_t to = bucket[a];
    if (to - from >= 2) {
      int32_t g1 = from;
      while (g1 < to) {
        const int32_t c1 = rec[sorted[g1]].child;
        int32_t g1_end = g1 + 1;
        while (g1_end < to && rec[sorted[g1_end]].child == c1) g1_end++;
        int32_t g2 = g1_end;
        while (g2 < to) {
          const int32_t c2 = rec[sorted[g2]].child;
          if (c2 - c1 > W) break;
          int32_t g2_end = g2 + 1;
          while (g2_end < to && rec[sorted[g2_end]].child == c2) g2_end++;
          for (int32_t x = g1; x < g1_end; x++) {
            const int32_t rx = sorted[x];
            const int32_t budget = L - 1 - rec[rx].depth;
            for (int32_t y = g2; y < g2_end; y++) {
              const int32_t ry = sorted[y];
              if (rec[ry].depth > budget) continue;
              if (!GROW(t->pairs, t->pairs_cap, 2 * P + 2)) return throw_error(env, "out of memory");
              t->pairs[2 * P] = rx;
              t->pairs[2 * P + 1] = ry;
              P++;
            }
          }
          g2 = g2_end;
        }
        g1 = g1_end;
      }
    }
    from = to;
  }

  /*
   * Selection sampling (Knuth's Algorithm S), drawing exactly as paths.ts does. Two passes: the
   * first builds each chosen path and its key and prefetches the slots a lookup reads, the second
   * looks them up in order (so ids are given in the same order). Most of a lookup's time is a cache
   * miss on the table (it outgrows the caches on big corpora); issued together, the misses overlap.
   */
  const size_t n = P < (size_t)max_contexts ? P : (size_t)max_contexts;
  if (n * 3 > n_out || n * (size_t)(L + 2) > n_fresh) return throw_error(env, "pathContexts: out or fresh is too small for the contexts");
  if (!GROW(t->seq, t->seq_cap, n * (size_t)L) || !GROW(t->keys, t->keys_cap, n)) return throw_error(env, "out of memory");
  int32_t *seqs = t->seq;
  PathKey *keys = t->keys;
  const int32_t *pairs = t->pairs;
  Sfc32 rng = sfc32_seeded((uint32_t)params[P_SEED_A], (uint32_t)params[P_SEED_B]);
  size_t need = n, ci = 0;
  for (size_t k = 0; need > 0; k++) {
    if (need < P - k && sfc32_next(&rng) * (double)(P - k) >= (double)need) continue;
    need--;
    const int32_t rx = pairs[2 * k], ry = pairs[2 * k + 1];
    const int32_t tx = rec[rx].term, ty = rec[ry].term;
    const int32_t up = rec[rx].depth;
    const int32_t len = up + rec[ry].depth + 1;
    int32_t *seq = seqs + ci * (size_t)L;
    /* Up from the first terminal to the LCA, then down to the second (written from its end). */
    int32_t c = terms[tx];
    for (int32_t j = 0; j < up; j++) {
      seq[j] = label[c];
      c = npar[c];
    }
    seq[up] = label[c];
    c = terms[ty];
    for (int32_t j = len - 1; j > up; j--) {
      seq[j] = label[c];
      c = npar[c];
    }
    keys[ci] = path_key(seq, len, up);
    __builtin_prefetch(&t->recent[keys[ci].hash & (PATH_RECENT - 1)]);
    __builtin_prefetch(&t->slots[keys[ci].hash & t->mask]);
    out[3 * ci] = term_tok[tx];
    out[3 * ci + 2] = term_tok[ty];
    ci++;
  }
  size_t fresh_len = 0;
  const uint32_t before = t->count;
  for (size_t i = 0; i < n; i++) {
    const int64_t id = paths_intern(t, &keys[i], seqs + i * (size_t)L, fresh, &fresh_len);
    if (id < 0) return throw_error(env, "out of memory");
    out[3 * i + 1] = (int32_t)id;
  }
  params[P_FRESH] = (int32_t)(t->count - before);
  CHECK(env, napi_create_int32(env, (int32_t)n, &result));
  return result;
}
