(* vcert-driver: reads one JSON request per line on stdin and writes exactly
   one JSON response line per request on stdout, flushed, until end of input.
   Its two limits (docs/protocol.md, "Limits") and the size from which a run
   keeps indexes (docs/protocol.md, "Cost") are set by
     --max-answer-bytes N   or $VCERT_DRIVER_MAX_ANSWER   (default 16 MiB)
     --max-request-bytes N  or $VCERT_DRIVER_MAX_REQUEST  (default 16 MiB)
     --index-from N         or $VCERT_DRIVER_INDEX_FROM   (default 1024 pages)
   the option winning over the environment. *)

let default_limit = 16 * 1024 * 1024

let default_index_from = 1024

let usage =
  "usage: vcert-driver [--max-answer-bytes N] [--max-request-bytes N] [--index-from N]"

let fail message =
  prerr_endline ("vcert-driver: " ^ message ^ "\n" ^ usage);
  exit 2

(* A setting from its option, else its environment variable, else the default. *)
let setting ?(unit = "bytes") ?(default = default_limit) ~(option : string option)
    ~(flag : string) ~(env : string) ~(min : int) () : int =
  let parse source text =
    match int_of_string_opt (String.trim text) with
    | Some n when n >= min -> n
    | _ -> fail (Printf.sprintf "%s must be a whole number of %s >= %d, got %S" source unit min text)
  in
  match (option, Sys.getenv_opt env) with
  | Some text, _ -> parse flag text
  | None, Some text -> parse ("$" ^ env) text
  | None, None -> default

(* ---------------------------------------------------------------------- *)
(* Reading lines of bounded length *)

type line = Line of string | Too_long | End

type reader = { chunk : Bytes.t; mutable pos : int; mutable len : int; line : Buffer.t; max : int }

let reader (max : int) : reader =
  { chunk = Bytes.create 65536; pos = 0; len = 0; line = Buffer.create 4096; max }

(* The next line of stdin without its newline, or Too_long if it holds more
   than [r.max] bytes (the rest of it is read and dropped, never stored). *)
let rec next_line ?(over = false) (r : reader) : line =
  if r.pos >= r.len then begin
    r.pos <- 0;
    r.len <- input stdin r.chunk 0 (Bytes.length r.chunk)
  end;
  let take () = let s = Buffer.contents r.line in Buffer.clear r.line; Line s in
  if r.len = 0 then (* end of input; a last line without newline still counts *)
    if over then Too_long else if Buffer.length r.line > 0 then take () else End
  else begin
    let rec find i = if i >= r.len || Bytes.unsafe_get r.chunk i = '\n' then i else find (i + 1) in
    let stop = find r.pos in
    let over = over || Buffer.length r.line + (stop - r.pos) > r.max in
    if over then Buffer.clear r.line else Buffer.add_subbytes r.line r.chunk r.pos (stop - r.pos);
    r.pos <- min r.len (stop + 1);
    if stop = r.len then next_line ~over r else if over then Too_long else take ()
  end

let () =
  (* Nearly all that a request allocates (the state it reads, the indexes of
     the check) is dead once it is answered.  So the minor heap is large
     enough to hold a whole request at 10^5 pages (32M words, 256 MB of
     address space), and it is emptied after every answer: what the request
     left is then dropped without ever being promoted to the major heap, and
     the next request allocates in the same few pages again, so a driver
     serving small requests stays small.  With a 4M-word minor heap and no
     collection between requests, `valid` at 10^5 pages took 20 to 25% more
     processor time, and a run of small requests grew to 100 MB resident
     (bench/bench_scale.py, docs/design-maps.md). *)
  Gc.set { (Gc.get ()) with Gc.minor_heap_size = 32 * 1024 * 1024; space_overhead = 200 };
  let answer = ref None and request = ref None and index_from = ref None in
  Arg.parse
    [ ("--max-answer-bytes", Arg.String (fun s -> answer := Some s),
       "N  refuse answers longer than N bytes (too_large)");
      ("--max-request-bytes", Arg.String (fun s -> request := Some s),
       "N  refuse request lines longer than N bytes (too_large)");
      ("--index-from", Arg.String (fun s -> index_from := Some s),
       "N  keep indexes along runs from states of N machine pages or more") ]
    (fun arg -> fail ("unexpected argument " ^ arg))
    usage;
  let cap =
    setting ~option:!answer ~flag:"--max-answer-bytes" ~env:"VCERT_DRIVER_MAX_ANSWER"
      ~min:Server.min_answer_cap ()
  in
  let max_request =
    setting ~option:!request ~flag:"--max-request-bytes" ~env:"VCERT_DRIVER_MAX_REQUEST" ~min:1 ()
  in
  let index_from =
    setting ~unit:"pages" ~default:default_index_from ~option:!index_from ~flag:"--index-from"
      ~env:"VCERT_DRIVER_INDEX_FROM" ~min:0 ()
  in
  let input = reader max_request in
  let rec serve () =
    let reply line = print_string line; print_char '\n'; flush stdout; serve () in
    match next_line input with
    | End -> ()
    | Line line ->
        let answer = Server.handle_line ~cap ~index_from line in
        Gc.minor ();
        reply answer
    | Too_long -> reply (Server.answer_line ~cap `Null (Error (Server.request_too_large max_request)))
  in
  serve ()
