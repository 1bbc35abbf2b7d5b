(* Cheap checks on raw request and answer bytes, run outside the JSON parser
   so that no input can exhaust the stack or put bytes that are not UTF-8 on
   the driver's output (docs/protocol.md, "Limits"). *)

(* The deepest nesting a request may have.  Well-formed requests need about 9
   levels (a page table inside a page inside `mem`); yojson, the codec and the
   printer recurse once per level, so this bounds their stack use. *)
let max_depth = 512

(* ---------------------------------------------------------------------- *)
(* UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF) *)

(* The range of the second byte after lead byte [c], and the sequence length;
   [None] when [c] cannot start a sequence. *)
let lead (c : int) : (int * int * int) option =
  if c < 0x80 then Some (0, 0, 1)
  else if c >= 0xC2 && c <= 0xDF then Some (0x80, 0xBF, 2)
  else if c = 0xE0 then Some (0xA0, 0xBF, 3)
  else if c = 0xED then Some (0x80, 0x9F, 3)
  else if c >= 0xE1 && c <= 0xEF then Some (0x80, 0xBF, 3)
  else if c = 0xF0 then Some (0x90, 0xBF, 4)
  else if c >= 0xF1 && c <= 0xF3 then Some (0x80, 0xBF, 4)
  else if c = 0xF4 then Some (0x80, 0x8F, 4)
  else None

(* What [s] holds at [i]: a well-formed character of [n] bytes, the first
   [n] bytes of one followed by no continuation byte (a character cut short,
   as yojson's error excerpts do), or a byte that is neither. *)
type at = Char of int | Cut of int | Bad

let classify (s : string) (i : int) : at =
  let byte k = if i + k < String.length s then Char.code (String.unsafe_get s (i + k)) else -1 in
  match lead (byte 0) with
  | None -> Bad
  | Some (lo, hi, n) ->
      let fits k = let b = byte k in if k = 1 then b >= lo && b <= hi else b land 0xC0 = 0x80 in
      let rec count k = if k < n && fits k then count (k + 1) else k in
      let k = count 1 in
      if k = n then Char n else if byte k land 0xC0 <> 0x80 then Cut k else Bad

(* The offset of the first byte of [s] that is not part of well-formed UTF-8. *)
let first_invalid_utf8 (s : string) : int option =
  let n = String.length s in
  let rec scan i =
    if i + 8 <= n && Int64.logand (String.get_int64_ne s i) 0x8080808080808080L = 0L then
      scan (i + 8)  (* eight ASCII bytes at once: the common case, 6 times faster *)
    else if i >= n then None
    else if Char.code (String.unsafe_get s i) < 0x80 then scan (i + 1)
    else match classify s i with Char n -> scan (i + n) | _ -> Some i
  in
  scan 0

(* [s] as well-formed UTF-8: a character cut short is dropped, any other
   stray byte becomes U+FFFD.  Inside a JSON text this keeps it JSON, as such
   bytes can only occur inside strings. *)
let sanitize (s : string) : string =
  match first_invalid_utf8 s with
  | None -> s
  | Some first ->
      let out = Buffer.create (String.length s + 16) in
      Buffer.add_substring out s 0 first;
      let rec copy i =
        if i < String.length s then
          match classify s i with
          | Char n -> Buffer.add_substring out s i n; copy (i + n)
          | Cut n -> copy (i + n)
          | Bad -> Buffer.add_string out "\xEF\xBF\xBD"; copy (i + 1)
      in
      copy first;
      Buffer.contents out

(* At most [limit] bytes of the well-formed UTF-8 [s], cut at a character
   boundary, with "..." when something was cut. *)
let clip (limit : int) (s : string) : string =
  if String.length s <= limit then s
  else
    let rec boundary i = if i > 0 && Char.code s.[i] land 0xC0 = 0x80 then boundary (i - 1) else i in
    String.sub s 0 (boundary (limit - 3)) ^ "..."

(* ---------------------------------------------------------------------- *)
(* Nesting *)

(* Whether brackets, braces (and yojson's tuple and variant delimiters) nest
   deeper than [max_depth] outside strings and comments.  Where yojson's
   reading is unclear (a line comment followed by a carriage return) this
   counts more, never less, so a line it passes cannot nest deeper. *)
let too_deep (line : string) : bool =
  let n = String.length line in
  let at i c = i < n && line.[i] = c in
  let rec code i depth =
    if i >= n then false
    else
      match line.[i] with
      | '[' | '{' | '(' | '<' -> depth >= max_depth || code (i + 1) (depth + 1)
      | ']' | '}' | ')' | '>' -> code (i + 1) (max 0 (depth - 1))
      | '"' -> str (i + 1) depth
      | '/' when at (i + 1) '*' -> block (i + 2) depth
      | '/' when at (i + 1) '/' -> to_line_end (i + 2) depth
      | _ -> code (i + 1) depth
  and str i depth =
    if i >= n then false
    else match line.[i] with '\\' -> str (i + 2) depth | '"' -> code (i + 1) depth | _ -> str (i + 1) depth
  and block i depth =
    if i + 1 >= n then false else if at i '*' && at (i + 1) '/' then code (i + 2) depth else block (i + 1) depth
  and to_line_end i depth =
    if i >= n then false else if line.[i] = '\r' then code (i + 1) depth else to_line_end (i + 1) depth
  in
  code 0 0
