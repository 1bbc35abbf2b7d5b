(** Guest [o]'s view of the caches and [o]-equivalence with caches
    (MODEL.md section 7).  The caches belong to the active guest; what it can
    learn from them is where its next accesses are served from, which the key
    lists of [cache] and [tlb] determine, in FIFO order (the order decides
    the next eviction).  Copied pages and machine addresses are not part of
    it: a read answers from memory.  A guest that is not active sees nothing
    of the caches. *)

From Coq Require Import List Arith Bool.
From VirtualCert Require Import AList Maps Model OsEquiv CacheModel.

Definition cache_view (o : os_ident) (cs : cstate) : option (list vadd * list vadd) :=
  if Nat.eqb (active_os (hv cs)) o then Some (akeys (cache cs), akeys (tlb cs)) else None.

Definition os_cequiv (ctx : context) (o : os_ident) (cs1 cs2 : cstate) : Prop :=
  os_equiv ctx o (hv cs1) (hv cs2) /\ cache_view o cs1 = cache_view o cs2.

(** Cached addresses are guest addresses: the invariant isolation needs
    (implied by coherence, and kept by every [cstep], flush or not). *)
Definition cache_keys_accessible (ctx : context) (cs : cstate) : Prop :=
  forall va, In va (akeys (cache cs)) -> accessible ctx va = true.

Lemma os_cequiv_refl : forall ctx o cs, os_cequiv ctx o cs cs.
Proof. intros. split; auto using os_equiv_refl. Qed.

Lemma os_cequiv_sym : forall ctx o cs1 cs2, os_cequiv ctx o cs1 cs2 -> os_cequiv ctx o cs2 cs1.
Proof. intros ctx o cs1 cs2 [H1 H2]. split; auto using os_equiv_sym. Qed.

Lemma os_cequiv_trans :
  forall ctx o cs1 cs2 cs3,
    os_cequiv ctx o cs1 cs2 -> os_cequiv ctx o cs2 cs3 -> os_cequiv ctx o cs1 cs3.
Proof.
  intros ctx o cs1 cs2 cs3 [H1 H2] [H3 H4]. split; [eauto using os_equiv_trans|congruence].
Qed.
