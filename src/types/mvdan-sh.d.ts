/**
 * Minimal typings for `mvdan-sh` 0.10, the GopherJS build of mvdan.cc/sh/v3/syntax (the package
 * ships none). Only what `src/core/shell/analysis.ts` touches is declared.
 *
 * Two views of the same syntax tree:
 * - `syntax`: the package's JS API. Parse results and the statements handed to `Interactive`
 *   are wrappers that convert each field on every access (7-18 µs per access: reading a tree
 *   through them costs ~20x the parse), so shell.ts only takes `__internal_object__` from them.
 * - `go`: the Go values behind the wrappers, as GopherJS stores them. Field and method names are
 *   the Go ones (mvdan.cc/sh/v3/syntax docs); the representation is GopherJS's:
 *   - a node is a pointer to a struct: its `constructor.string` names its Go type
 *     ('*syntax.CallExpr'); a nil pointer is the sentinel `constructor.nil` (not null), a nil
 *     interface (a missing `Cmd`, `Index`, ...) is one shared sentinel object;
 *   - a slice is `{ $array, $offset, $length }`;
 *   - strings are UTF-8 byte strings (one JS char per byte: only ASCII reads as text);
 *   - `Pos()`/`End()` return Pos values whose `Offset()` counts UTF-8 bytes of the source and
 *     whose `Line()` is 1-based.
 */
declare module 'mvdan-sh' {
  export namespace syntax {
    /** What the parser throws on invalid input (a wrapper: fields read as JS values). */
    interface ParseError {
      Pos: { Line(): number; Col(): number; Offset(): number; IsValid(): boolean };
      Text: string;
      /** True when more input could have completed the code (unclosed quote, missing `fi`, ...). */
      Incomplete: boolean;
      Error(): string;
    }

    interface Wrapper<T> {
      __internal_object__: T;
    }

    interface Parser {
      /** Throws a ParseError on invalid input. */
      Parse(src: string, name: string): Wrapper<go.File>;
      /**
       * Parses line by line, calling `fn` with the statements each line completes (a line is
       * complete once its newline is read); stops when `fn` returns false. Throws a ParseError
       * on invalid input, after the calls for the lines before it.
       */
      Interactive(src: string, fn: (stmts: Array<Wrapper<go.Stmt>>) => boolean): void;
    }

    function NewParser(...options: unknown[]): Parser;
  }

  export namespace go {
    interface Slice<T> {
      $array: T[];
      $offset: number;
      $length: number;
    }

    interface Pos {
      /** 0-based offset in UTF-8 bytes. */
      Offset(): number;
      /** 1-based line; 0 when not valid. */
      Line(): number;
      IsValid(): boolean;
    }

    interface Node {
      constructor: { string: string; nil?: unknown };
      Pos(): Pos;
      End(): Pos;
    }

    interface File extends Node {
      Stmts: Slice<Stmt>;
    }

    interface Stmt extends Node {
      /** Nil interface for a statement made of redirections only. */
      Cmd: Node;
      Background: boolean;
      Coprocess: boolean;
      Redirs: Slice<Redirect>;
    }

    interface Lit extends Node {
      /** UTF-8 bytes; backslash-newline continuations removed, other escapes kept. */
      Value: string;
    }

    interface Word extends Node {
      /** Lit | SglQuoted | DblQuoted | ParamExp | CmdSubst | ArithmExp | ProcSubst | ExtGlob | BraceExp. */
      Parts: Slice<Node>;
    }

    interface SglQuoted extends Node {
      Left: Pos;
      Right: Pos;
      /** `$'...'`. */
      Dollar: boolean;
    }

    interface DblQuoted extends Node {
      Parts: Slice<Node>;
    }

    interface ParamExp extends Node {
      Excl: boolean;
      /** Nil pointer for some special forms. */
      Param: Lit;
      /** Nil interface when absent. */
      Index: Node;
      /** Nil pointers when absent. */
      Slice: { Offset: Node; Length: Node };
      Repl: { Orig: Word; With: Word };
      /** Non-zero for `${!prefix*}` / `${!prefix@}`. */
      Names: number;
      Exp: { Op: number; Word: Word };
    }

    /** CmdSubst, ProcSubst, Block, Subshell. */
    interface StmtList extends Node {
      Stmts: Slice<Stmt>;
    }

    /** ArithmExp, ArithmCmd, ParenArithm, UnaryTest, ParenTest, TestClause: one operand. */
    interface Unary extends Node {
      X: Node;
    }

    /** BinaryArithm, UnaryArithm (X only), BinaryTest, BinaryCmd (X, Y are Stmts). */
    interface Binary extends Node {
      Op: number;
      X: Node;
      Y: Node;
    }

    interface BraceExp extends Node {
      Elems: Slice<Word>;
    }

    interface Redirect extends Node {
      Op: number;
      /** The file descriptor (`2` in `2>&1`); nil when not written. */
      N: Lit;
      /** The target word, or the here-document delimiter. */
      Word: Word;
      /** The here-document body; nil for other redirections and for an empty body. */
      Hdoc: Word;
    }

    interface CallExpr extends Node {
      Assigns: Slice<Assign>;
      Args: Slice<Word>;
    }

    interface Assign extends Node {
      Append: boolean;
      /** A declaration operand without `=` (`export X`, `declare -x`): Name or Value is set. */
      Naked: boolean;
      Name: Lit;
      Index: Node;
      Value: Word;
      Array: { Elems: Slice<{ Index: Node; Value: Word }> };
    }

    interface IfClause extends Node {
      /** Empty for a plain `else`. */
      Cond: Slice<Stmt>;
      Then: Slice<Stmt>;
      Else: IfClause;
    }

    interface WhileClause extends Node {
      Cond: Slice<Stmt>;
      Do: Slice<Stmt>;
    }

    interface ForClause extends Node {
      /** WordIter | CStyleLoop. */
      Loop: Node;
      Do: Slice<Stmt>;
    }

    interface WordIter extends Node {
      Name: Lit;
      Items: Slice<Word>;
    }

    interface CStyleLoop extends Node {
      Init: Node;
      Cond: Node;
      Post: Node;
    }

    interface CaseClause extends Node {
      Word: Word;
      Items: Slice<{ Patterns: Slice<Word>; Stmts: Slice<Stmt> }>;
    }

    interface FuncDecl extends Node {
      Name: Lit;
      Body: Stmt;
    }

    interface DeclClause extends Node {
      /** export, declare, local, readonly, typeset or nameref. */
      Variant: Lit;
      Args: Slice<Assign>;
    }

    interface LetClause extends Node {
      Exprs: Slice<Node>;
    }

    /** TimeClause, CoprocClause. */
    interface StmtHolder extends Node {
      Stmt: Stmt;
    }

    interface TestDecl extends Node {
      Body: Stmt;
    }
  }
}
