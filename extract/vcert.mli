
val negb : bool -> bool

val option_map : ('a1 -> 'a2) -> 'a1 option -> 'a2 option

val fst : ('a1 * 'a2) -> 'a1

val snd : ('a1 * 'a2) -> 'a2



val eqb : bool -> bool -> bool

module Nat :
 sig
 end

val existsb : ('a1 -> bool) -> 'a1 list -> bool

val filter : ('a1 -> bool) -> 'a1 list -> 'a1 list

val find : ('a1 -> bool) -> 'a1 list -> 'a1 option

type 'v alist = (int * 'v) list

val alookup : 'a1 alist -> int -> 'a1 option

val aupdate : 'a1 alist -> int -> 'a1 -> 'a1 alist

val aremove : 'a1 alist -> int -> 'a1 alist

val ain_dom : 'a1 alist -> int -> bool

type 'v map =
| Leaf
| Node of 'v map * 'v option * 'v map

val low_bit : int -> bool

val lookup : 'a1 map -> int -> 'a1 option

val node : 'a1 map -> 'a1 option -> 'a1 map -> 'a1 map

val single : int -> 'a1 -> 'a1 map

val singleton : int -> 'a1 -> 'a1 map

val update : 'a1 map -> int -> 'a1 -> 'a1 map

val remove : 'a1 map -> int -> 'a1 map

val fold_at :
  (int -> 'a1 -> 'a2 -> 'a2) -> int -> int -> 'a1 map -> 'a2 -> 'a2

val fold : (int -> 'a1 -> 'a2 -> 'a2) -> 'a1 map -> 'a2 -> 'a2

val cons_binding : int -> 'a1 -> (int * 'a1) list -> (int * 'a1) list

val bindings : 'a1 map -> (int * 'a1) list

val in_dom : 'a1 map -> int -> bool

val forall_bindings : (int -> 'a1 -> bool) -> 'a1 map -> bool

val exists_binding : (int -> 'a1 -> bool) -> 'a1 map -> bool

val keep_least : int option -> int -> int option

val least_step :
  (int -> 'a1 -> bool) -> int -> 'a1 -> int option -> int option

val least_key : (int -> 'a1 -> bool) -> 'a1 map -> int option

val map_values : ('a1 -> 'a2) -> 'a1 map -> 'a2 map

type os_ident = int

type vadd = int

type padd = int

type madd = int

type value = int

type context = { hyp_window : vadd list; trusted_oss : os_ident list }

val accessible : context -> vadd -> bool

val trusted : context -> os_ident -> bool

type ptype =
| T_RW
| T_PT

type hyper_call =
| HC_new of vadd * padd
| HC_del of vadd
| HC_lswitch of padd
| HC_pin of padd * ptype
| HC_unpin of padd

type os_info = { curr_page : padd; hcall : hyper_call option }

type mode =
| Usr
| Svc

type os_activity =
| Running
| Waiting

type page_content =
| RW of value option
| PT of madd map
| Other

type page_owner =
| Hyp
| Os of os_ident
| No_Owner

type page = { content : page_content; owner : page_owner }

type state = { active_os : os_ident; exec_mode : mode;
               activity : os_activity; oss : os_info map; hyp : madd map map;
               mem : page map }

val set_oss : state -> os_info map -> state

val set_mem : state -> page map -> state

val set_control : state -> os_ident -> mode -> os_activity -> state

val cpt : state -> os_ident -> madd option

val current_table : state -> os_ident -> madd map option

val maps_to : state -> os_ident -> vadd -> madd option

val newpage : ptype -> os_ident -> page

val is_free_page : page -> bool

val is_rw : page_content -> bool

val is_pt : page_content -> bool

val ptype_eqb : ptype -> ptype -> bool

val hyper_call_eqb : hyper_call -> hyper_call -> bool

type action =
| Read of vadd
| Write of vadd * value
| Read_hyper of vadd
| Write_hyper of vadd * value
| Hcall of hyper_call
| New of os_ident * vadd * padd
| Del of os_ident * vadd
| Lswitch of os_ident * padd
| Switch of os_ident
| Ret_ctrl
| Chmod
| Page_pin of os_ident * padd * ptype
| Page_unpin of os_ident * padd
| Silent

type error_code =
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
| Page_in_use

type outcome =
| Ok
| Error of error_code

type result = { response : outcome; result_state : state }

val served_info : context -> os_ident -> os_info -> os_info

val serve : context -> state -> os_ident -> os_info map

val activity_eqb : os_activity -> os_activity -> bool

val gate_check :
  context -> state -> os_ident -> hyper_call -> error_code option

val access_check :
  context -> state -> os_activity -> bool -> error_code -> vadd -> error_code
  option

val physical_page : state -> os_ident -> padd -> madd option

val page_kind_check :
  state -> (page_content -> bool) -> madd -> error_code option

val then_check : error_code option -> error_code option -> error_code option

val mapped_by_own_table_b : state -> os_ident -> madd -> bool

val least_free_page : state -> madd option

val pin_error :
  context -> state -> madd option -> os_ident -> padd -> ptype -> error_code
  option

val unpin_error :
  context -> state -> (madd -> bool) -> os_ident -> padd -> error_code option

val pre_error : context -> state -> action -> error_code option

val pre_b : context -> state -> action -> bool

val table_edit :
  context -> state -> os_ident -> (madd map -> madd map) -> state

val write_effect : state -> vadd -> value -> state

val pin_effect :
  context -> state -> madd option -> os_ident -> padd -> ptype -> state

val effect : context -> state -> action -> state

val step : context -> state -> action -> result

val trace : context -> state -> action list -> result list

val table_of : page option -> madd map

val page_free : page option -> bool

type mappers = (madd * vadd) list map

type index = { free_set : unit map; mapped_from : mappers }

val entries : mappers -> madd -> (madd * vadd) list

val add_mapper : madd -> vadd -> madd -> mappers -> mappers

val same_entry : (madd * vadd) -> (madd * vadd) -> bool

val drop_mapper : madd -> vadd -> madd -> mappers -> mappers

val add_table : madd -> madd map -> mappers -> mappers

val drop_table : madd -> madd map -> mappers -> mappers

val repage : madd -> page option -> page option -> index -> index

val retarget : madd -> vadd -> madd option -> madd option -> index -> index

val add_page : madd -> page -> index -> index

val index_of : page map -> index

val least_free : index -> madd option

val own_mapper : page map -> os_ident -> (madd * vadd) -> bool

val mapped_by_own_table_ix : page map -> index -> os_ident -> madd -> bool

val pin_step :
  context -> state -> madd option -> os_ident -> padd -> ptype -> result

val unpin_step :
  context -> state -> (madd -> bool) -> os_ident -> padd -> result

val step_indexed : context -> state -> index -> action -> result

val next_index : state -> action -> state -> index -> index

val step_index : context -> state -> index -> action -> result * index

val trace_from : context -> state -> index -> action list -> result list

val trace_indexed : context -> state -> action list -> result list

val inverse : int map -> int map

type vs_property =
| Trusted_no_hcall
| Running_no_hcall
| Svc_when_privileged
| Usr_when_untrusted
| Hyp_maps_owned
| Page_tables_owned
| Os_tables_exist
| Accessible_mappings_physical

val page_owner_eqb : page_owner -> page_owner -> bool

val mode_eqb : mode -> mode -> bool

val is_none : 'a1 option -> bool

val owned_by_b : state -> madd -> page_owner -> bool

val trusted_no_hcall_b : context -> state -> bool

val running_no_hcall_b : state -> bool

val svc_when_privileged_b : context -> state -> bool

val usr_when_untrusted_b : context -> state -> bool

val injective_b : madd map -> padd map -> bool

val hyp_maps_owned_b : state -> (madd map * padd map) map -> bool

val page_tables_owned_b : context -> state -> bool

val current_table_owned_b :
  state -> (madd map * padd map) map -> os_ident -> os_info -> bool

val os_tables_exist_b : state -> (madd map * padd map) map -> bool

val accessible_mappings_physical_b :
  context -> state -> (madd map * padd map) map -> bool

val property_ix :
  context -> state -> (madd map * padd map) map -> vs_property -> bool

val all_properties : vs_property list

val first_invalid_ix :
  context -> state -> (madd map * padd map) map -> vs_property option

val hyp_index : state -> (madd map * padd map) map

val first_invalid : context -> state -> vs_property option

val valid_state_b : context -> state -> bool

type cache_config = { cache_size : int; tlb_size : int; flush_on_switch : bool }

type cstate = { hv : state; cache : page alist; tlb : madd alist }

type access_obs =
| Cache_hit
| Tlb_hit
| Page_walk

val shorter_than : 'a1 list -> int -> bool

val bounded_insert : int -> 'a1 alist -> int -> 'a1 -> 'a1 alist

val flush : cstate -> state -> cstate

val keep : cstate -> state -> cstate

val invalidate : cstate -> state -> vadd -> cstate

type cresult = { cresponse : outcome; observation : access_obs option;
                 cresult_state : cstate }

val served_from : cstate -> vadd -> access_obs

val drop_aliases : state -> vadd -> madd -> page alist -> page alist

val fill : cache_config -> cstate -> state -> vadd -> madd -> cstate

val guest_access : cache_config -> cstate -> state -> vadd -> bool -> cresult

val cstep : cache_config -> context -> cstate -> action -> cresult

val ctrace : cache_config -> context -> cstate -> action list -> cresult list
