(* Both readings of each request line on stdin, for tests/test_driver_readings.py:
   the driver's reader straight from the lexer (Server.fast_request) and its
   tree decoder (Server.tree_request).  One JSON line out per line in:
     {"guard": error}                    the line fails the raw-line checks
     {"fast": R or null, "tree": R or {"error": {"kind", "path", "message"}}}
   where R is the request encoded back by Codec's encoders and null means the
   fast reader gave up. *)

let request_json (id : Yojson.Safe.t) (r : Server.request) : Yojson.Safe.t =
  let fields =
    match r with
    | Server.Ping -> [ ("op", `String "ping") ]
    | Server.Valid (c, s) ->
        [ ("op", `String "valid"); ("context", Codec.json_of_context c); ("state", Codec.json_of_state s) ]
    | Server.Pre (c, s, a) ->
        [ ("op", `String "pre"); ("context", Codec.json_of_context c); ("state", Codec.json_of_state s);
          ("action", Codec.json_of_action a) ]
    | Server.Run (c, s, acts, states) ->
        [ ("op", `String "run"); ("context", Codec.json_of_context c); ("state", Codec.json_of_state s);
          ("actions", Codec.json_of_list Codec.json_of_action acts); ("states", `Bool states) ]
    | Server.Run_cache (c, cfg, cs, acts, states) ->
        [ ("op", `String "run_cache"); ("context", Codec.json_of_context c);
          ("cache", Codec.json_of_cache_config cfg); ("state", Codec.json_of_cstate cs);
          ("actions", Codec.json_of_list Codec.json_of_action acts); ("states", `Bool states) ]
  in
  `Assoc (("id", id) :: fields)

let error_json (f : Server.failure) : Yojson.Safe.t =
  `Assoc
    [ ("error", `Assoc [ ("kind", `String f.kind); ("path", `String f.path); ("message", `String f.message) ]) ]

let reading (line : string) : Yojson.Safe.t =
  match Server.guard_line line with
  | Error f -> `Assoc [ ("guard", error_json f) ]
  | Ok () ->
      let fast = match Server.fast_request line with Some (id, r) -> request_json id r | None -> `Null in
      let tree =
        match Server.tree_request line with
        | id, Ok r -> request_json id r
        | _, Error f -> error_json f
      in
      `Assoc [ ("fast", fast); ("tree", tree) ]

let () =
  let rec loop () =
    match input_line stdin with
    | line ->
        print_endline (Yojson.Safe.to_string (reading line));
        loop ()
    | exception End_of_file -> ()
  in
  loop ()
