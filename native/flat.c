/*
 * memaudit's flat tree-sitter addon (N-API, C).
 *
 * Why: the extractor reads a handful of values per syntax node (type id, namedness, offsets, a
 * field id) and moves a cursor three ways. Through the `tree-sitter` binding each of those reads
 * is a call from JS into native code, 75-130 ns apiece, which made walking a tree cost about as
 * much as parsing it. Here one call parses a source text and a second walks the whole tree in C,
 * writing what the extractor reads into columns of an ArrayBuffer the caller owns; JS then moves
 * over plain typed arrays (server/src/parse/flat.ts).
 *
 * The parser is tree-sitter's own core library (node_modules/tree-sitter/vendor/tree-sitter/lib,
 * included below and compiled with this file by scripts/build-native.js) and the grammars are those the grammar
 * packages already load: their `language` export is an N-API external holding a TSLanguage
 * pointer, tagged with tree-sitter's type tag (checked here).
 *
 * Columns, node i in pre-order (document order), written by `walk(handle, buffer, cap)` into a
 * buffer of at least FLAT_BYTES_PER_NODE * cap bytes:
 *   int32  start[cap]   UTF-16 offset of the node's first code unit
 *   int32  end[cap]     UTF-16 offset just after its last code unit
 *   int32  next[cap]    index just after the node's subtree (i + 1 for a leaf)
 *   int32  parent[cap]  index of the parent, -1 for the root
 *   uint16 sym[cap]     symbol id, as ts_node_symbol (the binding's `nodeTypeId`) reports it
 *   uint16 field[cap]   field id under the parent, 0 for none (ts_tree_cursor_current_field_id)
 *   uint8  flags[cap]   FLAT_NAMED | FLAT_HAS_ERROR | FLAT_IS_ERROR | FLAT_MISSING | FLAT_EXTRA
 * Offsets are UTF-16 code units because the text is parsed as UTF-16 (as the `tree-sitter`
 * binding does): tree-sitter's byte offsets into it are twice the indices of the JS string.
 *
 * The walk is iterative (a growing stack of levels): a 100,000-deep nesting costs memory, not C
 * stack. It reads tree-sitter's subtrees directly (the library is compiled into this file), as a
 * tree cursor would show them: see `walk_tree`.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tree_sitter/api.h>
/*
 * tree-sitter's core library in the same translation unit (its own amalgamation, lib.c): the
 * walk reads its internal subtree layout (subtree.h, language.h), which only its sources see.
 */
#include "lib.c"

/* Bumped whenever the columns or the functions change; the JS loader checks it. */
#define FLAT_ABI 2

#define FLAT_NAMED 1
#define FLAT_HAS_ERROR 2
#define FLAT_IS_ERROR 4
#define FLAT_MISSING 8
#define FLAT_EXTRA 16

#define FLAT_BYTES_PER_NODE 21

/* "tree-sitter", "language" hashed with BLAKE2: the tag the grammar bindings put on `language`. */
static const napi_type_tag LANGUAGE_TYPE_TAG = {0x8AF2E5212AD58ABFULL, 0xD5006CAD83ABBA16ULL};
/* The tag of this addon's parser handles (random), so that no other external is taken for one. */
static const napi_type_tag PARSER_TYPE_TAG = {0x6D656D6175646974ULL, 0x1F2E3D4C5B6A7988ULL};

typedef struct {
  TSParser *parser;
  const TSLanguage *language;
  /* The last tree parsed (kept for `matches`), or NULL. */
  TSTree *tree;
  /* The text of the last parse, as UTF-16 code units (reused across parses). */
  uint16_t *text;
  size_t text_cap;
  TSQuery *query;
  TSQueryCursor *query_cursor;
  /* Levels of a walk (see `Level`). */
  void *levels;
  size_t levels_cap;
} FlatParser;

#define CHECK(env, call)                                   \
  do {                                                     \
    if ((call) != napi_ok) return throw_last((env), #call); \
  } while (0)

static napi_value throw_last(napi_env env, const char *what) {
  const napi_extended_error_info *info = NULL;
  napi_get_last_error_info(env, &info);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) {
    char message[256];
    snprintf(message, sizeof message, "memaudit flat addon: %s failed: %s", what,
             info != NULL && info->error_message != NULL ? info->error_message : "unknown N-API error");
    napi_throw_error(env, NULL, message);
  }
  return NULL;
}

static napi_value throw_error(napi_env env, const char *message) {
  napi_throw_error(env, NULL, message);
  return NULL;
}

/* Grows `*buf` (elements of `size` bytes) to hold at least `need`; false when out of memory. */
static bool reserve(void **buf, size_t *cap, size_t need, size_t size) {
  if (need <= *cap) return true;
  size_t n = *cap == 0 ? 256 : *cap;
  while (n < need) n *= 2;
  void *p = realloc(*buf, n * size);
  if (p == NULL) return false;
  *buf = p;
  *cap = n;
  return true;
}

/* The TSLanguage of a grammar package's `language` export. */
static napi_value get_language(napi_env env, napi_value value, const TSLanguage **out) {
  napi_valuetype type;
  CHECK(env, napi_typeof(env, value, &type));
  if (type != napi_external) return throw_error(env, "expected a tree-sitter grammar's `language` external");
  bool tagged = false;
  CHECK(env, napi_check_object_type_tag(env, value, &LANGUAGE_TYPE_TAG, &tagged));
  if (!tagged) return throw_error(env, "the external is not tagged as a tree-sitter language");
  void *data = NULL;
  CHECK(env, napi_get_value_external(env, value, &data));
  if (data == NULL) return throw_error(env, "the tree-sitter language external is empty");
  *out = (const TSLanguage *)data;
  napi_value ok;
  napi_get_boolean(env, true, &ok);
  return ok;
}

static void finalize_parser(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  FlatParser *p = (FlatParser *)data;
  if (p->tree != NULL) ts_tree_delete(p->tree);
  if (p->query_cursor != NULL) ts_query_cursor_delete(p->query_cursor);
  if (p->query != NULL) ts_query_delete(p->query);
  ts_parser_delete(p->parser);
  free(p->text);
  free(p->levels);
  free(p);
}

/* The data of an external tagged `tag` (one of this addon's handles), or NULL with `message` thrown. */
static void *unwrap_tagged(napi_env env, napi_value value, const napi_type_tag *tag, const char *message) {
  void *data = NULL;
  bool tagged = false;
  if (napi_check_object_type_tag(env, value, tag, &tagged) != napi_ok || !tagged || napi_get_value_external(env, value, &data) != napi_ok ||
      data == NULL) {
    throw_error(env, message);
    return NULL;
  }
  return data;
}

/* A handle for `data`: an external tagged `tag`, freed by `finalize` when collected (at once when it cannot be made). */
static napi_value tagged_external(napi_env env, void *data, napi_finalize finalize, const napi_type_tag *tag) {
  napi_value handle;
  if (napi_create_external(env, data, finalize, NULL, &handle) != napi_ok) {
    finalize(env, data, NULL);
    return throw_last(env, "napi_create_external");
  }
  CHECK(env, napi_type_tag_object(env, handle, tag));
  return handle;
}

static FlatParser *unwrap(napi_env env, napi_value value) {
  return (FlatParser *)unwrap_tagged(env, value, &PARSER_TYPE_TAG, "expected a parser handle made by createParser");
}

static napi_value get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < want) return throw_error(env, "too few arguments");
  napi_value ok;
  napi_get_boolean(env, true, &ok);
  return ok;
}

static napi_value make_string(napi_env env, const char *s) {
  napi_value v;
  if (s == NULL) {
    napi_get_null(env, &v);
  } else {
    napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v);
  }
  return v;
}

/*
 * languageInfo(language) -> { abi, symbolNames: (string|null)[], symbolNamed: boolean[],
 * fieldNames: (string|null)[] }, indexed by symbol and field id. ERROR (65535) is not in the
 * tables: the caller names it.
 */
static napi_value language_info(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (get_args(env, info, 1, argv) == NULL) return NULL;
  const TSLanguage *language = NULL;
  if (get_language(env, argv[0], &language) == NULL) return NULL;
  uint32_t symbols = ts_language_symbol_count(language);
  uint32_t fields = ts_language_field_count(language);
  napi_value names, named, field_names, result, v;
  CHECK(env, napi_create_array_with_length(env, symbols, &names));
  CHECK(env, napi_create_array_with_length(env, symbols, &named));
  for (uint32_t s = 0; s < symbols; s++) {
    CHECK(env, napi_set_element(env, names, s, make_string(env, ts_language_symbol_name(language, (TSSymbol)s))));
    CHECK(env, napi_get_boolean(env, ts_language_symbol_type(language, (TSSymbol)s) == TSSymbolTypeRegular, &v));
    CHECK(env, napi_set_element(env, named, s, v));
  }
  CHECK(env, napi_create_array_with_length(env, fields + 1, &field_names));
  for (uint32_t f = 0; f <= fields; f++) {
    CHECK(env, napi_set_element(env, field_names, f, make_string(env, f == 0 ? NULL : ts_language_field_name_for_id(language, (TSFieldId)f))));
  }
  CHECK(env, napi_create_object(env, &result));
  CHECK(env, napi_create_uint32(env, ts_language_abi_version(language), &v));
  CHECK(env, napi_set_named_property(env, result, "abi", v));
  CHECK(env, napi_set_named_property(env, result, "symbolNames", names));
  CHECK(env, napi_set_named_property(env, result, "symbolNamed", named));
  CHECK(env, napi_set_named_property(env, result, "fieldNames", field_names));
  return result;
}

/* createParser(language) -> handle (an external; freed by the garbage collector). */
static napi_value create_parser(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (get_args(env, info, 1, argv) == NULL) return NULL;
  const TSLanguage *language = NULL;
  if (get_language(env, argv[0], &language) == NULL) return NULL;
  FlatParser *p = (FlatParser *)calloc(1, sizeof *p);
  if (p == NULL) return throw_error(env, "out of memory");
  p->parser = ts_parser_new();
  p->language = language;
  if (!ts_parser_set_language(p->parser, language)) {
    char message[160];
    snprintf(message, sizeof message, "the grammar's ABI version %u is not supported by this tree-sitter library (%d to %d)",
             ts_language_abi_version(language), TREE_SITTER_MIN_COMPATIBLE_LANGUAGE_VERSION, TREE_SITTER_LANGUAGE_VERSION);
    ts_parser_delete(p->parser);
    free(p);
    return throw_error(env, message);
  }
  return tagged_external(env, p, finalize_parser, &PARSER_TYPE_TAG);
}

/*
 * parse(handle, text) -> number of nodes the walk will write. The tree is kept (for `walk` and
 * `matches`) until the next parse or `release`.
 */
static napi_value parse(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (get_args(env, info, 2, argv) == NULL) return NULL;
  FlatParser *p = unwrap(env, argv[0]);
  if (p == NULL) return NULL;
  size_t length = 0;
  CHECK(env, napi_get_value_string_utf16(env, argv[1], NULL, 0, &length));
  /* tree-sitter's offsets are 32-bit byte offsets into the UTF-16 text. */
  if (length > UINT32_MAX / 2) return throw_error(env, "parse: the text is too long for tree-sitter (2^31 UTF-16 code units at most)");
  if (!reserve((void **)&p->text, &p->text_cap, length + 1, sizeof(uint16_t))) return throw_error(env, "out of memory");
  CHECK(env, napi_get_value_string_utf16(env, argv[1], (char16_t *)p->text, length + 1, &length));
  if (p->tree != NULL) {
    ts_tree_delete(p->tree);
    p->tree = NULL;
  }
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  const TSInputEncoding encoding = TSInputEncodingUTF16BE;
#else
  const TSInputEncoding encoding = TSInputEncodingUTF16LE;
#endif
  p->tree = ts_parser_parse_string_encoding(p->parser, NULL, (const char *)p->text, (uint32_t)(length * 2), encoding);
  if (p->tree == NULL) return throw_error(env, "tree-sitter returned no tree");
  napi_value n;
  CHECK(env, napi_create_uint32(env, ts_node_descendant_count(ts_tree_root_node(p->tree)), &n));
  return n;
}

/* release(handle): frees the kept tree. */
static napi_value release(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (get_args(env, info, 1, argv) == NULL) return NULL;
  FlatParser *p = unwrap(env, argv[0]);
  if (p == NULL) return NULL;
  if (p->tree != NULL) {
    ts_tree_delete(p->tree);
    p->tree = NULL;
  }
  return NULL;
}

/* Columns of a buffer of `cap` nodes (see the top of the file). */
typedef struct {
  int32_t *start, *end, *next, *parent;
  uint16_t *sym, *field;
  uint8_t *flags;
} Columns;

static Columns columns_of(void *data, uint32_t cap) {
  Columns c;
  c.start = (int32_t *)data;
  c.end = c.start + cap;
  c.next = c.end + cap;
  c.parent = c.next + cap;
  c.sym = (uint16_t *)(c.parent + cap);
  c.field = c.sym + cap;
  c.flags = (uint8_t *)(c.field + cap);
  return c;
}

/*
 * One level of the walk: a subtree whose children are being visited. tree-sitter's trees hold
 * hidden nodes (rules whose name starts with `_`, inlined repetitions) between the visible ones;
 * their children are the children of the nearest visible ancestor, as a tree cursor shows them.
 */
typedef struct {
  Subtree subtree;
  const TSSymbol *aliases;
  const TSFieldMapEntry *fields, *fields_end;
  uint32_t child, structural;
  /* Byte offset at which the next child starts (its padding skipped). */
  uint32_t position;
  /* Pre-order index of the nearest visible node at or above this level (the children's parent). */
  int32_t visible;
  /* This level's own pre-order index when it is a visible node, else -1. */
  int32_t own;
  /* The field a child found through this hidden level has when its own parent gives it none. */
  TSFieldId inherited;
} Level;

/*
 * Writes the visible nodes of `tree` in pre-order into `c`: what a tree cursor walking the whole
 * tree reads (ts_tree_cursor_current_node, ts_node_symbol, ts_node_is_named, …,
 * ts_tree_cursor_current_field_id), computed from the subtrees directly. The cursor does the
 * same work behind a call per read and per move, and recomputes aliases and fields per call;
 * this costs a third of it. Returns the node count, or -1 when it exceeds `cap`.
 */
static int64_t walk_tree(FlatParser *p, const TSTree *tree, Columns c, uint32_t cap) {
  const TSLanguage *language = tree->language;
  Subtree root = tree->root;
  if (cap == 0) return -1;
  /* The root, as ts_tree_root_node makes it: no alias, positioned after its padding. */
  TSSymbol root_symbol = ts_language_public_symbol(language, ts_subtree_symbol(root));
  uint32_t root_start = ts_subtree_padding(root).bytes;
  c.start[0] = (int32_t)(root_start >> 1);
  c.end[0] = (int32_t)((root_start + ts_subtree_size(root).bytes) >> 1);
  c.parent[0] = -1;
  c.sym[0] = root_symbol;
  c.field[0] = 0;
  c.flags[0] = (uint8_t)((ts_subtree_named(root) ? FLAT_NAMED : 0) | (ts_subtree_error_cost(root) > 0 ? FLAT_HAS_ERROR : 0) |
                         (root_symbol == ts_builtin_sym_error ? FLAT_IS_ERROR : 0) | (ts_subtree_missing(root) ? FLAT_MISSING : 0) |
                         (ts_subtree_extra(root) ? FLAT_EXTRA : 0));
  uint32_t n = 1;
  if (ts_subtree_child_count(root) == 0) {
    c.next[0] = 1;
    return n;
  }
  size_t depth = 0;
  if (!reserve((void **)&p->levels, &p->levels_cap, 1, sizeof(Level))) return -2;
  Level *levels = (Level *)p->levels;
  {
    Level *l = &levels[depth++];
    l->subtree = root;
    l->aliases = ts_language_alias_sequence(language, root.ptr->production_id);
    ts_language_field_map(language, root.ptr->production_id, &l->fields, &l->fields_end);
    l->child = 0;
    l->structural = 0;
    l->position = root_start;
    l->visible = 0;
    l->own = 0;
    l->inherited = 0;
  }
  while (depth > 0) {
    Level *l = &levels[depth - 1];
    uint32_t count = l->subtree.ptr->child_count;
    if (l->child == count) {
      if (l->own >= 0) c.next[l->own] = (int32_t)n;
      depth--;
      continue;
    }
    const Subtree *children = ts_subtree_children(l->subtree);
    Subtree child = children[l->child];
    bool extra = ts_subtree_extra(child);
    TSSymbol alias = 0;
    TSFieldId field = 0;
    if (!extra) {
      if (l->aliases != NULL) alias = l->aliases[l->structural];
      for (const TSFieldMapEntry *m = l->fields; m < l->fields_end; m++) {
        if (!m->inherited && m->child_index == l->structural) {
          field = m->field_id;
          break;
        }
      }
      if (field == 0) field = l->inherited;
      l->structural++;
    }
    uint32_t start = l->position;
    l->position += ts_subtree_size(child).bytes;
    l->child++;
    if (l->child < count) l->position += ts_subtree_padding(children[l->child]).bytes;

    bool visible = ts_subtree_visible(child) || alias != 0;
    int32_t own = -1;
    if (visible) {
      if (n >= cap) return -1;
      uint32_t i = n++;
      own = (int32_t)i;
      TSSymbol symbol = ts_language_public_symbol(language, alias != 0 ? alias : ts_subtree_symbol(child));
      bool named = alias != 0 ? ts_language_symbol_metadata(language, alias).named : ts_subtree_named(child);
      c.start[i] = (int32_t)(start >> 1);
      c.end[i] = (int32_t)((start + ts_subtree_size(child).bytes) >> 1);
      c.parent[i] = l->visible;
      c.sym[i] = symbol;
      c.field[i] = field;
      c.flags[i] = (uint8_t)((named ? FLAT_NAMED : 0) | (ts_subtree_error_cost(child) > 0 ? FLAT_HAS_ERROR : 0) |
                             (symbol == ts_builtin_sym_error ? FLAT_IS_ERROR : 0) | (ts_subtree_missing(child) ? FLAT_MISSING : 0) |
                             (extra ? FLAT_EXTRA : 0));
    }
    if (ts_subtree_child_count(child) > 0) {
      if (!reserve((void **)&p->levels, &p->levels_cap, depth + 1, sizeof(Level))) return -2;
      levels = (Level *)p->levels;
      l = &levels[depth - 1];
      Level *d = &levels[depth++];
      d->subtree = child;
      d->aliases = ts_language_alias_sequence(language, child.ptr->production_id);
      ts_language_field_map(language, child.ptr->production_id, &d->fields, &d->fields_end);
      d->child = 0;
      d->structural = 0;
      d->position = start;
      d->visible = visible ? own : l->visible;
      d->own = own;
      /*
       * As ts_tree_cursor_current_field_id: a node's field is the one its parent's production
       * gives it, else, up through hidden ancestors (not extras, up to the first visible one,
       * aliases included), the field of the nearest hidden one that has one.
       */
      d->inherited = visible || extra ? 0 : field;
    } else if (visible) {
      c.next[own] = own + 1;
    }
  }
  return n;
}

/*
 * walk(handle, buffer, cap) -> number of nodes written (see the columns above). Throws when the
 * tree has more than `cap` nodes (the caller sizes the buffer from `parse`'s count).
 */
static napi_value walk(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (get_args(env, info, 3, argv) == NULL) return NULL;
  FlatParser *p = unwrap(env, argv[0]);
  if (p == NULL) return NULL;
  if (p->tree == NULL) return throw_error(env, "walk: no tree (parse first)");
  void *data = NULL;
  size_t bytes = 0;
  CHECK(env, napi_get_arraybuffer_info(env, argv[1], &data, &bytes));
  uint32_t cap = 0;
  CHECK(env, napi_get_value_uint32(env, argv[2], &cap));
  if ((size_t)cap * FLAT_BYTES_PER_NODE > bytes) return throw_error(env, "walk: the buffer is smaller than cap nodes");
  int64_t n = walk_tree(p, p->tree, columns_of(data, cap), cap);
  if (n == -2) return throw_error(env, "out of memory");
  if (n < 0) return throw_error(env, "walk: the tree has more nodes than cap");
  napi_value result;
  CHECK(env, napi_create_uint32(env, (uint32_t)n, &result));
  return result;
}

/*
 * setQuery(handle, source) -> capture names. Compiles the query that `matches` runs. Queries with
 * predicates (#eq?, #match?…) are refused: the `tree-sitter` binding applies those in JS, and
 * nothing here would.
 */
static napi_value set_query(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (get_args(env, info, 2, argv) == NULL) return NULL;
  FlatParser *p = unwrap(env, argv[0]);
  if (p == NULL) return NULL;
  size_t length = 0;
  CHECK(env, napi_get_value_string_utf8(env, argv[1], NULL, 0, &length));
  char *source = (char *)malloc(length + 1);
  if (source == NULL) return throw_error(env, "out of memory");
  if (napi_get_value_string_utf8(env, argv[1], source, length + 1, &length) != napi_ok) {
    free(source);
    return throw_last(env, "napi_get_value_string_utf8");
  }
  uint32_t error_offset = 0;
  TSQueryError error = TSQueryErrorNone;
  TSQuery *query = ts_query_new(p->language, source, (uint32_t)length, &error_offset, &error);
  free(source);
  if (query == NULL) {
    static const char *const kinds[] = {"none", "syntax", "node type", "field", "capture", "structure", "language"};
    char message[160];
    snprintf(message, sizeof message, "query error (%s) at offset %u",
             (unsigned)error < sizeof kinds / sizeof kinds[0] ? kinds[error] : "unknown", error_offset);
    return throw_error(env, message);
  }
  for (uint32_t k = 0; k < ts_query_pattern_count(query); k++) {
    uint32_t steps = 0;
    ts_query_predicates_for_pattern(query, k, &steps);
    if (steps > 0) {
      ts_query_delete(query);
      return throw_error(env, "query predicates are not supported by the flat addon");
    }
  }
  if (p->query != NULL) ts_query_delete(p->query);
  p->query = query;
  if (p->query_cursor == NULL) p->query_cursor = ts_query_cursor_new();
  uint32_t captures = ts_query_capture_count(query);
  napi_value names;
  CHECK(env, napi_create_array_with_length(env, captures, &names));
  for (uint32_t c = 0; c < captures; c++) {
    uint32_t len = 0;
    const char *name = ts_query_capture_name_for_id(query, c, &len);
    napi_value v;
    CHECK(env, napi_create_string_utf8(env, name, len, &v));
    CHECK(env, napi_set_element(env, names, c, v));
  }
  return names;
}

/* Open-addressing map from node ids (unique per node of a tree) to pre-order indices. */
typedef struct {
  const void **keys;
  uint32_t *values;
  size_t mask;
} IdMap;

static size_t id_slot(const IdMap *m, const void *key) {
  uintptr_t h = (uintptr_t)key;
  h ^= h >> 17;
  h *= (uintptr_t)0x9E3779B97F4A7C15ULL;
  size_t s = (size_t)(h >> 7) & m->mask;
  while (m->keys[s] != NULL && m->keys[s] != key) s = (s + 1) & m->mask;
  return s;
}

/*
 * matches(handle) -> Int32Array of the query's matches over the kept tree, in the order the
 * query cursor gives them (that of the `tree-sitter` binding): for each match its pattern index,
 * its capture count c, then c pairs (capture id, pre-order index of the node).
 */
static napi_value matches(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (get_args(env, info, 1, argv) == NULL) return NULL;
  FlatParser *p = unwrap(env, argv[0]);
  if (p == NULL) return NULL;
  if (p->tree == NULL) return throw_error(env, "matches: no tree (parse first)");
  if (p->query == NULL) return throw_error(env, "matches: no query (setQuery first)");
  TSNode root = ts_tree_root_node(p->tree);
  uint32_t count = ts_node_descendant_count(root);
  IdMap map;
  size_t size = 16;
  while (size < 2 * (size_t)count) size *= 2;
  map.mask = size - 1;
  map.keys = (const void **)calloc(size, sizeof *map.keys);
  map.values = (uint32_t *)malloc(size * sizeof *map.values);
  int32_t *out = NULL;
  size_t out_len = 0, out_cap = 0;
  napi_value result = NULL;
  if (map.keys == NULL || map.values == NULL) goto oom;
  {
    TSTreeCursor cursor = ts_tree_cursor_new(root);
    uint32_t i = 0;
    for (;;) {
      TSNode node = ts_tree_cursor_current_node(&cursor);
      size_t s = id_slot(&map, node.id);
      map.keys[s] = node.id;
      map.values[s] = i++;
      if (ts_tree_cursor_goto_first_child(&cursor)) continue;
      bool more = true;
      while (!ts_tree_cursor_goto_next_sibling(&cursor)) {
        if (!ts_tree_cursor_goto_parent(&cursor)) {
          more = false;
          break;
        }
      }
      if (!more) break;
    }
    ts_tree_cursor_delete(&cursor);
  }
  ts_query_cursor_exec(p->query_cursor, p->query, root);
  TSQueryMatch match;
  while (ts_query_cursor_next_match(p->query_cursor, &match)) {
    if (!reserve((void **)&out, &out_cap, out_len + 2 + 2 * (size_t)match.capture_count, sizeof(int32_t))) goto oom;
    out[out_len++] = match.pattern_index;
    out[out_len++] = match.capture_count;
    for (uint16_t c = 0; c < match.capture_count; c++) {
      const void *id = match.captures[c].node.id;
      size_t s = id_slot(&map, id);
      out[out_len++] = (int32_t)match.captures[c].index;
      out[out_len++] = map.keys[s] == id ? (int32_t)map.values[s] : -1;
    }
  }
  {
    void *data = NULL;
    napi_value buffer;
    if (napi_create_arraybuffer(env, out_len * sizeof(int32_t), &data, &buffer) != napi_ok) {
      throw_last(env, "napi_create_arraybuffer");
      goto cleanup;
    }
    if (out_len > 0) memcpy(data, out, out_len * sizeof(int32_t));
    if (napi_create_typedarray(env, napi_int32_array, out_len, buffer, 0, &result) != napi_ok) {
      result = NULL;
      throw_last(env, "napi_create_typedarray");
    }
  }
  goto cleanup;
oom:
  throw_error(env, "out of memory");
cleanup:
  free(map.keys);
  free(map.values);
  free(out);
  return result;
}

/* code2vec path-contexts (createPathTable, pathContexts). */
#include "paths.c"

static napi_value init(napi_env env, napi_value exports) {
  const struct {
    const char *name;
    napi_callback fn;
  } fns[] = {
      {"languageInfo", language_info}, {"createParser", create_parser}, {"parse", parse},        {"release", release},
      {"walk", walk},                  {"setQuery", set_query},         {"matches", matches},
      {"createPathTable", create_path_table}, {"pathContexts", path_contexts},
  };
  for (size_t k = 0; k < sizeof fns / sizeof fns[0]; k++) {
    napi_value fn;
    if (napi_create_function(env, fns[k].name, NAPI_AUTO_LENGTH, fns[k].fn, NULL, &fn) != napi_ok) return NULL;
    if (napi_set_named_property(env, exports, fns[k].name, fn) != napi_ok) return NULL;
  }
  napi_value v;
  napi_create_uint32(env, FLAT_ABI, &v);
  napi_set_named_property(env, exports, "abi", v);
  napi_create_uint32(env, FLAT_BYTES_PER_NODE, &v);
  napi_set_named_property(env, exports, "bytesPerNode", v);
  return exports;
}

NAPI_MODULE(memaudit_flat, init)
