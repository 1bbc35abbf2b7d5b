(* vcert-driver: reads one JSON request per line on stdin and writes exactly
   one JSON response line per request on stdout, flushed, until end of input. *)

let () =
  let rec serve () =
    match input_line stdin with
    | exception End_of_file -> ()
    | line ->
        print_string (Yojson.Safe.to_string (Server.handle_line line));
        print_char '\n';
        flush stdout;
        serve ()
  in
  serve ()
