; Methods of Ruby: `def name` and singleton methods (`def self.name`, `def obj.name`).
; Blocks, procs and lambdas are not methods and never match. `def x; end` has no body node:
; it is still a method (with an empty body), not a bodiless declaration.
;
; Captures read by extract.ts:
;   @method   a method
;   @name     the declared name: an identifier, constant, setter (`x=`) or operator (`+`)
;   @body     the body (a body_statement, or the expression of an endless `def x = expr`)
;
; Documentation is the run of `#` comments just above a declaration; docs.ts reads it from the
; declaration's preceding siblings (capturing every comment of a file here would cost more than
; the declarations).
;
; The extractor follows these patterns with its own walk of the file (queryshape.ts reads them:
; a node type captured as @method or @constructor, and fields with a node type or `_`, optionally
; `?`, captured as @name or @body). A pattern of any other shape still works: the query engine
; then runs instead, more slowly. Keep the two ways' agreement checked: test/unit/parse/queryshape.test.ts.

(method
  name: (_) @name
  body: (_)? @body) @method

(singleton_method
  name: (_) @name
  body: (_)? @body) @method

