; Method-like declarations of Java and the comments that may document them.
;
; Captures read by extract.ts:
;   @method       a method; a sample when it has a body (interface and abstract methods match
;                 without @body and are counted as bodiless)
;   @constructor  a constructor; a sample only with the includeConstructors setting
;   @name         the declared name (the sample's label)
;   @body         the body
;   @doc          a Javadoc candidate; the extractor keeps the one just before a declaration

(method_declaration
  name: (identifier) @name
  body: (block)? @body) @method

(constructor_declaration
  name: (identifier) @name
  body: (constructor_body) @body) @constructor

(compact_constructor_declaration
  name: (identifier) @name
  body: (block) @body) @constructor

((block_comment) @doc
  (#match? @doc "^/\\*\\*"))
