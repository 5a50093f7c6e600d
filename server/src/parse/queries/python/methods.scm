; Functions and methods of Python (sync and async, nested ones too; lambdas are expressions,
; not function_definition nodes, so they never match). A decorated function's node starts at
; `def` / `async def`: its decorators belong to the enclosing decorated_definition.
;
; Captures read by extract.ts:
;   @method  a function; every Python function has a body
;   @name    the declared name (the sample's label)
;   @body    the body block
;
; Docstrings (a string literal as the first statement of the body) are read from the flattened
; body by extract.ts: an anchored query pattern for them cost a quarter of the query's time.
;
; The extractor follows these patterns with its own walk of the file (queryshape.ts reads them:
; a node type captured as @method or @constructor, and fields with a node type or `_`, optionally
; `?`, captured as @name or @body). A pattern of any other shape still works: the query engine
; then runs instead, more slowly. Keep the two ways' agreement checked: test/unit/parse/queryshape.test.ts.

(function_definition
  name: (identifier) @name
  body: (block) @body) @method

