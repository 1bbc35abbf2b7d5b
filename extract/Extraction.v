(** Extraction of the executable specification to one OCaml module, [Vcert]
    ([vcert.ml] / [vcert.mli]), used by the long-lived driver.

    [nat] becomes OCaml's [int] (ExtrOcamlNatInt).  The specification only
    compares naturals ([Nat.eqb], [Nat.leb]) and does no arithmetic on them
    beyond the predecessor of a positive number in a match
    ([CacheModel.shorter_than]), the predecessor, low bit and half of keys in
    the routing of [Maps]' tries, and the sums [Maps.fold_at] builds, each at
    most a key of the map, so no result can leave the range of the inputs; the
    driver rejects inputs at or above 2^62.  Every directive that maps a Coq
    type or constant to an OCaml one is justified in TRUSTED.md. *)

From Coq Require Extraction ExtrOcamlBasic ExtrOcamlNatInt.
From VirtualCert Require Import Maps Model Actions Errors Step StepIndex ValidDec CacheModel
  CacheStep.

(** [Nat.leb] is used by [Maps.least_key]; ExtrOcamlNatInt only realises
    [Compare_dec.leb], so give its [Nat] twin the same native comparison. *)
Extract Inlined Constant Nat.leb => "(<=)".

(** The tries of [Maps] route a key by its binary digits (halving it) and
    rebuild keys in a traversal by additions.  ExtrOcamlNatInt realises
    [Nat.add] and [Nat.div2] natively but as [let rec] constants, which the
    driver's warnings flag; inline the same realisations instead. *)
Extract Inlined Constant Nat.add => "(+)".
Extract Inlined Constant PeanoNat.Nat.div2 => "(fun n -> n / 2)".

(** The routing of the tries tests a key against 0 and takes its
    predecessor where a match on [O] and [S j] would build two closures at
    every node (ExtrOcamlNatInt's realisation of the match), and reads the
    low bit of a key with [Nat.even] rather than by halving and adding back.
    ExtrOcamlNatInt realises [Nat.pred] with the polymorphic [Stdlib.max]
    and does not realise [Nat.even] (its body would extract as a recursion
    on the unary number). *)
Extract Inlined Constant PeanoNat.Nat.pred => "(fun n -> if n = 0 then 0 else n - 1)".
Extract Inlined Constant PeanoNat.Nat.even => "(fun n -> n land 1 = 0)".

Extraction Language OCaml.

(** [bindings] and [update] are the codec's (extract/driver/codec.ml): it
    writes maps from their bindings and builds them by updates. *)
Extraction "vcert" step trace trace_indexed pre_error pre_b effect valid_state_b first_invalid
  cstep ctrace bindings update.
