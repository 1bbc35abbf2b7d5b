(** The 14 actions of the model (MODEL.md section 4). *)

From VirtualCert Require Import Model.

Inductive action :=
| Read (va : vadd)
| Write (va : vadd) (v : value)
| Read_hyper (va : vadd)
| Write_hyper (va : vadd) (v : value)
| Hcall (h : hyper_call)
| New (o : os_ident) (va : vadd) (pa : padd)
| Del (o : os_ident) (va : vadd)
| Lswitch (o : os_ident) (pa : padd)
| Switch (o : os_ident)
| Ret_ctrl
| Chmod
| Page_pin (o : os_ident) (pa : padd) (t : ptype)
| Page_unpin (o : os_ident) (pa : padd)
| Silent.
