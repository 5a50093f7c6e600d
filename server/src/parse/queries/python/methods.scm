; Functions and methods of Python (sync and async, nested ones too; lambdas are expressions,
; not function_definition nodes, so they never match). A decorated function's node starts at
; `def` / `async def`: its decorators belong to the enclosing decorated_definition.
;
; Captures read by extract.ts:
;   @method            a function; every Python function has a body
;   @name              the declared name (the sample's label)
;   @body              the body block
;   @docstring         a string that is the first statement of a function body
;   @docstring.owner   the function that docstring belongs to

(function_definition
  name: (identifier) @name
  body: (block) @body) @method

(function_definition
  body: (block
    .
    (expression_statement
      .
      [(string) (concatenated_string)] @docstring
      .))) @docstring.owner
