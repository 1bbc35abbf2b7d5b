(** Extraction of the executable specification to one OCaml module, [Vcert]
    ([vcert.ml] / [vcert.mli]), used by the long-lived driver.

    [nat] becomes OCaml's [int] (ExtrOcamlNatInt).  The specification only
    compares naturals ([Nat.eqb], [Nat.leb]) and does no arithmetic on them
    beyond the predecessor of a positive number in a match
    ([CacheModel.shorter_than], [MapIndex.route_fuel]) and the halving of
    keys in [MapIndex]'s routing, so no result can leave the range of the
    inputs; the driver rejects inputs at or above 2^62.  Every directive that maps a Coq type or
    constant to an OCaml one is justified in TRUSTED.md. *)

From Coq Require Extraction ExtrOcamlBasic ExtrOcamlNatInt.
From VirtualCert Require Import Maps Model Actions Errors Step ValidDec CacheModel CacheStep.

(** [Nat.leb] is used by [Maps.least_key]; ExtrOcamlNatInt only realises
    [Compare_dec.leb], so give its [Nat] twin the same native comparison. *)
Extract Inlined Constant Nat.leb => "(<=)".

(** [MapIndex]'s routing halves a key per binary digit.  ExtrOcamlNatInt
    realises [Nat.add] and [Nat.div2] natively but as [let rec] constants,
    which the driver's warnings flag; inline the same realisations instead. *)
Extract Inlined Constant Nat.add => "(+)".
Extract Inlined Constant PeanoNat.Nat.div2 => "(fun n -> n / 2)".

(** Realise [List.map] by OCaml's own: otherwise the extracted module
    defines a value [map] and renames the finite-map type [Maps.map] to
    [map0], which the JSON codec and its generator would have to know. *)
Extract Inlined Constant List.map => "List.map".

Extraction Language OCaml.

Extraction "vcert" step trace pre_error pre_b effect valid_state_b first_invalid
  cstep ctrace.
