(** Error codes, responses and step results (MODEL.md sections 4 and 5). *)

From VirtualCert Require Import Model.

Inductive error_code :=
| Unknown_os
| Wrong_os_activity
| Not_active_os
| Wrong_hcall
| No_access_va_os
| Invalid_vadd
| Wrong_page_type
| No_access_va_hyp
| Trusted_os_hcall
| Invalid_padd
| Pending_hcall
| Padd_in_use
| No_free_memory
| Page_in_use.

Inductive outcome := Ok | Error (ec : error_code).

Record result := mk_result {
  response : outcome;
  result_state : state
}.
