(** The VirtualCert state (MODEL.md sections 1 and 2).

    Every constructor is capitalised so that Coq, the extracted OCaml and the
    JSON protocol all spell it the same way.  Type names differ from field
    names where Coq's single namespace requires it ([mode] for the field
    [exec_mode], [page_content] for [content], ...). *)

From Coq Require Import List Arith Bool.
From VirtualCert Require Import Maps.
Import ListNotations.

Definition os_ident := nat.
Definition vadd := nat.
Definition padd := nat.
Definition madd := nat.
Definition value := nat.

(** * Context: fixed for a whole run *)

Record context := mk_context {
  hyp_window : list vadd;      (** virtual addresses reserved for the hypervisor *)
  trusted_oss : list os_ident  (** guests that run in supervisor mode *)
}.

Definition accessible (ctx : context) (va : vadd) : bool :=
  negb (existsb (Nat.eqb va) (hyp_window ctx)).

Definition trusted (ctx : context) (o : os_ident) : bool :=
  existsb (Nat.eqb o) (trusted_oss ctx).

(** * Guests *)

Inductive ptype := T_RW | T_PT.

Inductive hyper_call :=
| HC_new (va : vadd) (pa : padd)
| HC_del (va : vadd)
| HC_lswitch (pa : padd)
| HC_pin (pa : padd) (t : ptype)
| HC_unpin (pa : padd).

Record os_info := mk_os_info {
  curr_page : padd;
  hcall : option hyper_call
}.

Inductive mode := Usr | Svc.

(** [Waiting] means the hypervisor is executing. *)
Inductive os_activity := Running | Waiting.

(** * Memory *)

Inductive page_content :=
| RW (v : option value)
| PT (m : map madd)            (** a page table: virtual to machine addresses *)
| Other.

Inductive page_owner := Hyp | Os (o : os_ident) | No_Owner.

Record page := mk_page {
  content : page_content;
  owner : page_owner
}.

(** * State *)

Record state := mk_state {
  active_os : os_ident;
  exec_mode : mode;
  activity : os_activity;
  oss : map os_info;
  hyp : map (map madd);        (** each guest's physical-to-machine map *)
  mem : map page
}.

(** Functional updates of single fields. *)
Definition set_oss (s : state) (m : map os_info) : state :=
  mk_state (active_os s) (exec_mode s) (activity s) m (hyp s) (mem s).
Definition set_hyp (s : state) (h : map (map madd)) : state :=
  mk_state (active_os s) (exec_mode s) (activity s) (oss s) h (mem s).
Definition set_mem (s : state) (m : map page) : state :=
  mk_state (active_os s) (exec_mode s) (activity s) (oss s) (hyp s) m.
Definition set_control (s : state) (o : os_ident) (md : mode) (act : os_activity)
  : state :=
  mk_state o md act (oss s) (hyp s) (mem s).

(** * Derived notions *)

(** Machine address of [o]'s current page table. *)
Definition cpt (s : state) (o : os_ident) : option madd :=
  match lookup (oss s) o, lookup (hyp s) o with
  | Some info, Some pm => lookup pm (curr_page info)
  | _, _ => None
  end.

(** The mappings of [o]'s current page table. *)
Definition current_table (s : state) (o : os_ident) : option (map madd) :=
  match cpt s o with
  | Some ma =>
      match lookup (mem s) ma with
      | Some (mk_page (PT m) _) => Some m
      | _ => None
      end
  | None => None
  end.

Definition maps_to (s : state) (o : os_ident) (va : vadd) : option madd :=
  match current_table s o with
  | Some m => lookup m va
  | None => None
  end.

Definition va_mapped_to_ma (s : state) (va : vadd) (ma : madd) : Prop :=
  maps_to s (active_os s) va = Some ma.

Definition newpage (t : ptype) (o : os_ident) : page :=
  match t with
  | T_RW => mk_page (RW None) (Os o)
  | T_PT => mk_page (PT Leaf) (Os o)
  end.

Definition is_free_page (pg : page) : bool :=
  match owner pg with No_Owner => true | _ => false end.

Definition free (s : state) (ma : madd) : Prop :=
  exists pg, lookup (mem s) ma = Some pg /\ owner pg = No_Owner.

Definition is_rw (c : page_content) : bool :=
  match c with RW _ => true | _ => false end.

Definition is_pt (c : page_content) : bool :=
  match c with PT _ => true | _ => false end.

(** * Decidable equalities *)

Definition ptype_eqb (a b : ptype) : bool :=
  match a, b with
  | T_RW, T_RW | T_PT, T_PT => true
  | _, _ => false
  end.

Definition hyper_call_eqb (a b : hyper_call) : bool :=
  match a, b with
  | HC_new va pa, HC_new vb pb => Nat.eqb va vb && Nat.eqb pa pb
  | HC_del va, HC_del vb => Nat.eqb va vb
  | HC_lswitch pa, HC_lswitch pb => Nat.eqb pa pb
  | HC_pin pa ta, HC_pin pb tb => Nat.eqb pa pb && ptype_eqb ta tb
  | HC_unpin pa, HC_unpin pb => Nat.eqb pa pb
  | _, _ => false
  end.

Lemma ptype_eqb_eq : forall a b, ptype_eqb a b = true <-> a = b.
Proof. intros [] []; simpl; split; congruence. Qed.

Lemma hyper_call_eqb_eq : forall a b, hyper_call_eqb a b = true <-> a = b.
Proof.
  intros [] []; simpl; split; intros H; try discriminate;
    repeat rewrite andb_true_iff in *;
    repeat rewrite Nat.eqb_eq in *;
    repeat rewrite ptype_eqb_eq in *.
  all: try (destruct H; subst; reflexivity).
  all: try (subst; reflexivity).
  all: injection H; intros; subst; repeat split; auto using ptype_eqb_eq.
Qed.
