; Method-like declarations of Java: methods and constructors. Lambdas are expressions, not
; declarations, so they never match.
;
; Captures read by extract.ts:
;   @method       a method; a sample when it has a body (interface and abstract methods match
;                 without @body and are counted as bodiless)
;   @constructor  a constructor; a sample only with the includeConstructors setting
;   @name         the declared name (the sample's label)
;   @body         the body
;
; Javadoc is the comment node just before a declaration; docs.ts reads it from there (capturing
; every comment of a file here would cost more than the declarations).
;
; The extractor follows these patterns with its own walk of the file (queryshape.ts reads them:
; a node type captured as @method or @constructor, and fields with a node type or `_`, optionally
; `?`, captured as @name or @body). A pattern of any other shape still works: the query engine
; then runs instead, more slowly. Keep the two ways' agreement checked: test/unit/parse/queryshape.test.ts.

(method_declaration
  name: (identifier) @name
  body: (block)? @body) @method

(constructor_declaration
  name: (identifier) @name
  body: (constructor_body) @body) @constructor

(compact_constructor_declaration
  name: (identifier) @name
  body: (block) @body) @constructor

