(** [valid_state]: the eight invariants of MODEL.md section 3. *)

From Coq Require Import List Arith Bool.
From VirtualCert Require Import Maps Model.

Section Valid.
Variable ctx : context.
Variable s : state.

(** The page at [ma] exists and is owned by [ow]. *)
Definition owned_by (ma : madd) (ow : page_owner) : Prop :=
  exists pg, lookup (mem s) ma = Some pg /\ owner pg = ow.

(** 1. A trusted guest never has a pending hypercall. *)
Definition trusted_no_hcall : Prop :=
  forall o info, lookup (oss s) o = Some info -> trusted ctx o = true -> hcall info = None.

(** 2. While a guest runs, the active guest has no pending hypercall. *)
Definition running_no_hcall : Prop :=
  activity s = Running ->
  forall info, lookup (oss s) (active_os s) = Some info -> hcall info = None.

(** 3. The hypervisor and trusted guests run in supervisor mode. *)
Definition svc_when_privileged : Prop :=
  (activity s = Waiting \/ trusted ctx (active_os s) = true) -> exec_mode s = Svc.

(** 4. Untrusted running guests run in user mode. *)
Definition usr_when_untrusted : Prop :=
  activity s = Running -> trusted ctx (active_os s) = false -> exec_mode s = Usr.

(** 5. Physical maps name pages of their guest, injectively. *)
Definition hyp_maps_owned : Prop :=
  (forall o pm pa ma,
      lookup (hyp s) o = Some pm -> lookup pm pa = Some ma -> owned_by ma (Os o)) /\
  (forall o pm pa1 pa2 ma,
      lookup (hyp s) o = Some pm -> lookup pm pa1 = Some ma -> lookup pm pa2 = Some ma ->
      pa1 = pa2).

(** 6. Page tables map guest addresses to the guest's pages and the
    hypervisor window to hypervisor pages. *)
Definition page_tables_owned : Prop :=
  forall ma m o va ma',
    lookup (mem s) ma = Some (mk_page (PT m) (Os o)) -> lookup m va = Some ma' ->
    owned_by ma' (if accessible ctx va then Os o else Hyp).

(** 7. Every guest has a physical map and a current page table of its own,
    the active guest exists, and guests and physical maps match. *)
Definition os_tables_exist : Prop :=
  (forall o info, lookup (oss s) o = Some info ->
     exists pm ma m,
       lookup (hyp s) o = Some pm /\ lookup pm (curr_page info) = Some ma /\
       lookup (mem s) ma = Some (mk_page (PT m) (Os o))) /\
  (exists info, lookup (oss s) (active_os s) = Some info) /\
  (forall o pm, lookup (hyp s) o = Some pm -> exists info, lookup (oss s) o = Some info).

(** 8. Guest-accessible mappings reach pages the guest holds physically. *)
Definition accessible_mappings_physical : Prop :=
  forall ma m o va ma',
    lookup (mem s) ma = Some (mk_page (PT m) (Os o)) -> lookup m va = Some ma' ->
    accessible ctx va = true ->
    exists pm pa, lookup (hyp s) o = Some pm /\ lookup pm pa = Some ma'.

Definition valid_state : Prop :=
  trusted_no_hcall /\ running_no_hcall /\ svc_when_privileged /\ usr_when_untrusted /\
  hyp_maps_owned /\ page_tables_owned /\ os_tables_exist /\ accessible_mappings_physical.

End Valid.
