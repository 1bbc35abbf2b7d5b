(** Every action preserves [valid_state] (MODEL.md section 4, last line):
    for the axiomatic semantics ([Pre] and the relational [Post], so
    [Page_pin] may take any free page) and hence for the semantics with
    errors ([exec]), whose error transitions keep the state. *)

From VirtualCert Require Import Model Actions Valid Pre Post Semantics.
From VirtualCert Require Import PreserveMemory PreserveControl PreservePages.

Theorem Post_preserves_valid :
  forall ctx s a s',
    valid_state ctx s -> Pre ctx s a -> Post ctx s a s' -> valid_state ctx s'.
Proof.
  intros ctx s a s' Hv Hpre Hpost.
  destruct a; simpl in Hpre, Hpost.
  - (* Read *) now subst.
  - eapply write_preserves_valid; eauto.
  - (* Read_hyper *) now subst.
  - eapply write_hyper_preserves_valid; eauto.
  - eapply hcall_preserves_valid; eauto.
  - eapply new_preserves_valid; eauto.
  - eapply del_preserves_valid; eauto.
  - eapply lswitch_preserves_valid; eauto.
  - eapply switch_preserves_valid; eauto.
  - eapply ret_ctrl_preserves_valid; eauto.
  - eapply chmod_preserves_valid; eauto.
  - eapply page_pin_preserves_valid; eauto.
  - eapply page_unpin_preserves_valid; eauto.
  - (* Silent *) now subst.
Qed.

Theorem exec_preserves_valid :
  forall ctx s a r s', exec ctx s a r s' -> valid_state ctx s'.
Proof.
  intros ctx s a r s' Hexec. destruct Hexec as [s a s' Hv Hpre Hpost | s a ec Hv _ _].
  - exact (Post_preserves_valid ctx s a s' Hv Hpre Hpost).
  - exact Hv.
Qed.
