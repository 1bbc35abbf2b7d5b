"""Seeded faults for mutation testing: small plausible bugs in pyspec and in
the extracted OCaml, applied to patched copies in a temporary directory.

Each mutant replaces one exact snippet of one file; if the snippet is not
found exactly once (the source moved on), the mutant is reported as not
applicable instead of being silently skipped.  pyspec mutants only touch the
oracle's files (`ORACLE_FILES`): `vcert mutate` generates from the pristine
source, so a fault in the generator's own code would not be tested at all.

Classes (`Mutant.classes`), so that the suite's make-up can be counted:
`setup`: shows only after at least two actions chosen for it (a particular
hypercall then its service, pins until memory runs out); `validity`: in
pyspec's `valid_state`/incremental validity or the driver's `valid_state_b`
(`lax` or `strict` says which way it errs); `gate`: in the hypercall gate
(`gate`/`gate_check`, `hyper_call_eqb`).
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DRIVER_SOURCES = ("vcert.mli", "vcert.ml", "driver/guard.ml", "driver/codec.ml",
                  "driver/server.ml", "driver/main.ml")


@dataclass(frozen=True)
class Mutant:
    id: str
    target: str        # "pyspec" (a file under pyspec/) or "ocaml" (a file under extract/)
    file: str
    old: str
    new: str
    description: str
    classes: frozenset[str] = frozenset()


class NotApplicable(Exception):
    """The mutant's snippet is not (exactly once) in the current source."""


P, O = "pyspec", "ocaml"
SETUP, VALIDITY, GATE, LAX, STRICT = "setup", "validity", "gate", "lax", "strict"
CLASSES = (SETUP, VALIDITY, GATE, LAX, STRICT)
# The files of pyspec that make up the oracle under test: everything a pyspec
# mutant may change (generation never reads them in `vcert mutate`).
ORACLE_FILES = ("semantics/", "difftest/validity.py")


def _tags(*names: str) -> frozenset[str]:
    return frozenset(names)

CATALOGUE: tuple[Mutant, ...] = (
    # --- pyspec ------------------------------------------------------------------
    Mutant("py-gate-any-hcall", P, "semantics/pre.py",
           "    if info.hcall != h:\n        return E.Wrong_hcall\n",
           "    if info.hcall is None:\n        return E.Wrong_hcall\n",
           "gate accepts any pending hypercall, not the matching one",
           _tags(GATE)),
    Mutant("py-unpin-current", P, "semantics/pre.py",
           "if s.oss[o].curr_page == pa or mapped_by_own_table(s, o, ma):",
           "if mapped_by_own_table(s, o, ma):",
           "page_unpin may unpin the current page table",
           _tags(SETUP)),
    Mutant("py-free-page-choice", P, "semantics/derived.py",
           "return min(free) if free else None", "return max(free) if free else None",
           "page_pin takes the greatest free page instead of the least"),
    Mutant("py-unpin-no-scrub", P, "semantics/step.py",
           "mem=s.mem.set(ma, Page(OTHER, NO_OWNER)))",
           "mem=s.mem.set(ma, Page(s.mem[ma].content, NO_OWNER)))",
           "page_unpin frees the page without scrubbing it"),
    Mutant("py-lswitch-keeps-hcall", P, "semantics/step.py",
           "hcall = info.hcall if ctx.trusted(o) else None", "hcall = info.hcall",
           "lswitch forgets to reset the served hypercall"),
    Mutant("py-access-error-order", P, "semantics/pre.py",
           "    if ctx.accessible(va) != by_guest:\n"
           "        return E.No_access_va_os if by_guest else E.No_access_va_hyp\n"
           "    ma = maps_to(s, s.active_os, va)\n"
           "    if ma is None:\n        return E.Invalid_vadd\n",
           "    ma = maps_to(s, s.active_os, va)\n"
           "    if ma is None:\n        return E.Invalid_vadd\n"
           "    if ctx.accessible(va) != by_guest:\n"
           "        return E.No_access_va_os if by_guest else E.No_access_va_hyp\n",
           "memory accesses check the mapping before the window (wrong error order)"),
    Mutant("py-new-wrong-guest", P, "semantics/pre.py",
           "            ma = physical_page(s, o, pa)\n            if ma is None:\n"
           "                return E.Invalid_padd\n            return None if is_rw_page",
           "            ma = physical_page(s, s.active_os, pa)\n            if ma is None:\n"
           "                return E.Invalid_padd\n            return None if is_rw_page",
           "new checks the physical page of the active guest instead of o (ownership)"),
    Mutant("py-chmod-always-usr", P, "semantics/step.py",
           "mode = Mode.Svc if ctx.trusted(s.active_os) else Mode.Usr", "mode = Mode.Usr",
           "chmod hands a trusted guest user mode"),
    Mutant("py-hcall-trusted", P, "semantics/pre.py",
           "            if ctx.trusted(s.active_os):\n                return E.Trusted_os_hcall\n",
           "",
           "a trusted guest may issue a hypercall"),
    Mutant("py-switch-unknown", P, "semantics/pre.py",
           "return None if o in s.oss else E.Unknown_os", "return None",
           "switch to an unknown guest is accepted"),
    Mutant("py-hyper-any-va", P, "semantics/pre.py",
           "    if ctx.accessible(va) != by_guest:\n",
           "    if by_guest and not ctx.accessible(va):\n",
           "the hypervisor may access guest addresses through read_hyper/write_hyper"),
    Mutant("py-pin-in-use", P, "semantics/pre.py",
           "            if physical_page(s, o, pa) is not None:\n"
           "                return E.Padd_in_use\n", "",
           "page_pin overwrites a physical address already in use",
           _tags(SETUP)),
    Mutant("py-pin-type", P, "semantics/derived.py",
           "content = RW(None) if t is Ptype.T_RW else PT(IntMap())", "content = RW(None)",
           "page_pin ignores the requested page type"),
    Mutant("py-retctrl-mode", P, "semantics/step.py",
           "replace_state(s, exec_mode=Mode.Svc, activity=OsActivity.Waiting)",
           "replace_state(s, activity=OsActivity.Waiting)",
           "ret_ctrl leaves the mode unchanged"),
    Mutant("py-del-noop", P, "semantics/step.py",
           "lambda m: m.remove(va)", "lambda m: m",
           "del answers Ok but leaves the mapping"),
    Mutant("py-gate-order", P, "semantics/pre.py",
           "    if s.activity is not WAITING:\n        return E.Wrong_os_activity\n"
           "    if info.hcall != h:\n        return E.Wrong_hcall\n",
           "    if info.hcall != h:\n        return E.Wrong_hcall\n"
           "    if s.activity is not WAITING:\n        return E.Wrong_os_activity\n",
           "gate compares the pending hypercall before the activity (wrong error order)",
           _tags(GATE)),
    Mutant("py-gate-trusted-waiting", P, "semantics/pre.py",
           "        if s.activity is not RUNNING:\n            return E.Wrong_os_activity\n"
           "        if s.active_os != o:",
           "        if s.active_os != o:",
           "gate lets a trusted guest's privileged action through while the hypervisor runs",
           _tags(GATE)),
    Mutant("py-gate-kind-only", P, "semantics/pre.py",
           "    if info.hcall != h:\n",
           "    if type(info.hcall) is not type(h):\n",
           "gate compares only the kind of the pending hypercall, not its arguments",
           _tags(GATE)),
    Mutant("py-pin-no-memory", P, "semantics/pre.py",
           "return None if least_free_page(s) is not None else E.No_free_memory",
           "return None",
           "page_pin answers Ok when memory is exhausted",
           _tags(SETUP)),
    Mutant("py-lswitch-any-page", P, "semantics/pre.py",
           "return None if is_pt_page(s, ma) else E.Wrong_page_type", "return None",
           "lswitch makes any page of the guest its current page table",
           _tags(SETUP)),
    Mutant("py-unpin-other-table", P, "semantics/derived.py",
           "    owner = Os(o)\n    return any(\n        isinstance(page.content, PT) and "
           "page.owner == owner and ma in page.content.m.values()\n"
           "        for page in s.mem.values()\n    )",
           "    table = current_table(s, o)\n    return table is not None and ma in table.values()",
           "page_unpin asks only the current page table whether the page is still mapped",
           _tags(SETUP)),
    Mutant("py-del-active-table", P, "semantics/step.py",
           "            return _table_edit(ctx, s, o, lambda m: m.remove(va))",
           "            return _table_edit(ctx, s, s.active_os, lambda m: m.remove(va))",
           "del edits the active guest's page table instead of the requesting guest's"),
    Mutant("py-valid-hyp-injective", P, "semantics/valid.py",
           "            if ma in seen:\n", "            if False:\n",
           "valid_state forgets that a physical map must be injective",
           _tags(VALIDITY, LAX)),
    Mutant("py-valid-window-owner", P, "semantics/valid.py",
           "            if target is None or target.owner != want:",
           "            if ctx.accessible(va) and (target is None or target.owner != want):",
           "valid_state does not check who owns the pages window mappings point to",
           _tags(VALIDITY, LAX)),
    Mutant("py-valid-running-any-hcall", P, "semantics/valid.py",
           "    if s.activity is OsActivity.Running and info is not None and "
           "info.hcall is not None:",
           "    if s.activity is OsActivity.Running and any(i.hcall is not None "
           "for i in s.oss.values()):",
           "valid_state forbids any pending hypercall while a guest runs, not only the active's",
           _tags(VALIDITY, STRICT)),
    Mutant("py-validity-subset-lookup", P, "difftest/validity.py",
           "        return self._mem.get(key, default)",
           "        return self._mem.get(key, default) if key in self._keys else default",
           "incremental valid_state sees only the changed pages when a table maps another",
           _tags(VALIDITY, STRICT)),
    # --- extracted OCaml ------------------------------------------------------------
    Mutant("ml-trusted-not-active", O, "vcert.ml",
           "else if negb ((=) s.active_os o) then Some Not_active_os else None",
           "else None",
           "a trusted guest may act while another guest is active",
           _tags(GATE)),
    Mutant("ml-free-page-first", O, "vcert.ml",
           "let least_free_page s =\n  least_key (fun _ -> is_free_page) s.mem",
           "let least_free_page s =\n  match List.find_opt (fun (_, pg) -> is_free_page pg) "
           "(bindings s.mem) with Some (k, _) -> Some k | None -> None",
           "page_pin takes the first free page in the map's traversal order, not the least"),
    Mutant("ml-unpin-no-scrub", O, "vcert.ml",
           "(update s.mem ma { content = Other; owner = No_Owner })",
           "(update s.mem ma { content = (match lookup s.mem ma with Some p -> p.content "
           "| None -> Other); owner = No_Owner })",
           "page_unpin frees the page without scrubbing it"),
    Mutant("ml-lswitch-keeps-hcall", O, "vcert.ml",
           "(served_info ctx o { curr_page = pa; hcall = info.hcall })",
           "{ curr_page = pa; hcall = info.hcall }",
           "lswitch forgets to reset the served hypercall"),
    Mutant("ml-chmod-pending", O, "vcert.ml",
           "           | Some _ -> Some Pending_hcall\n           | None -> None)",
           "           | Some _ -> None\n           | None -> None)",
           "chmod returns control despite a pending hypercall"),
    Mutant("ml-access-error-order", O, "vcert.ml",
           "  if negb (activity_eqb s.activity act)\n  then Some Wrong_os_activity\n"
           "  else if negb (eqb (accessible ctx va) acc)\n       then Some acc_code",
           "  if negb (eqb (accessible ctx va) acc)\n  then Some acc_code\n"
           "  else if negb (activity_eqb s.activity act)\n       then Some Wrong_os_activity",
           "memory accesses check the window before the activity (wrong error order)"),
    Mutant("ml-unpin-mapped", O, "vcert.ml",
           "if (||) current (mapped ma)", "if current",
           "page_unpin may unpin a page its page tables still map",
           _tags(SETUP)),
    Mutant("ml-hcall-trusted", O, "vcert.ml",
           "else if trusted ctx s.active_os then Some Trusted_os_hcall else None",
           "else None",
           "a trusted guest may issue a hypercall"),
    Mutant("ml-write-hyper-noop", O, "vcert.ml",
           "| Write_hyper (va, v) -> write_effect s va v", "| Write_hyper (_, _) -> s",
           "write_hyper answers Ok but writes nothing"),
    Mutant("ml-new-any-type", O, "vcert.ml",
           "| Some ma -> page_kind_check s is_rw ma", "| Some _ -> None",
           "new maps a page of any type (missing RW check)",
           _tags(SETUP)),
    Mutant("ml-pin-keeps-hcall", O, "vcert.ml",
           "s.activity; oss = (serve ctx s o); hyp =\n         (update s.hyp o (update pm pa ma))",
           "s.activity; oss = s.oss; hyp =\n         (update s.hyp o (update pm pa ma))",
           "page_pin forgets to reset the served hypercall"),
    Mutant("ml-switch-unknown", O, "vcert.ml",
           "else if in_dom s.oss o then None else Some Unknown_os", "else None",
           "switch to an unknown guest is accepted"),
    Mutant("ml-del-window", O, "vcert.ml",
           "(HC_del va))\n    (if negb (accessible ctx va)", "(HC_del va))\n    (if false",
           "del may remove a hypervisor-window mapping",
           _tags(SETUP)),
    Mutant("ml-retctrl-any", O, "vcert.ml",
           "if activity_eqb s.activity Running then None else Some Wrong_os_activity",
           "None",
           "ret_ctrl accepted while the hypervisor runs"),
    Mutant("ml-gate-pin-type", O, "vcert.ml",
           "     | HC_pin (pb, tb) -> (&&) ((=) pa pb) (ptype_eqb ta tb)",
           "     | HC_pin (pb, _) -> (=) pa pb",
           "gate serves a pending HC_pin with the wrong page type",
           _tags(GATE)),
    Mutant("ml-gate-trusted-waiting", O, "vcert.ml",
           "    then if negb (activity_eqb s.activity Running)\n         then Some "
           "Wrong_os_activity\n         else if negb ((=) s.active_os o)",
           "    then if negb ((=) s.active_os o)",
           "gate lets a trusted guest's privileged action through while the hypervisor runs",
           _tags(GATE)),
    Mutant("ml-pin-no-memory", O, "vcert.ml",
           "                | Some _ -> None\n                | None -> Some No_free_memory))",
           "                | Some _ -> None\n                | None -> None))",
           "page_pin answers Ok when memory is exhausted",
           _tags(SETUP)),
    Mutant("ml-pin-overwrite", O, "vcert.ml",
           "    (match physical_page s o pa with\n     | Some _ -> Some Padd_in_use\n",
           "    (match physical_page s o pa with\n     | Some _ -> None\n",
           "page_pin overwrites a physical address already in use",
           _tags(SETUP)),
    Mutant("ml-unpin-current", O, "vcert.ml",
           "if (||) current (mapped ma)", "if mapped ma",
           "page_unpin may unpin the current page table",
           _tags(SETUP)),
    Mutant("ml-del-unmapped", O, "vcert.ml",
           "     else (match maps_to s o va with\n           | Some _ -> None\n"
           "           | None -> Some Invalid_vadd))",
           "     else (match maps_to s o va with\n           | Some _ -> None\n"
           "           | None -> None))",
           "del of an unmapped address answers Ok",
           _tags(SETUP)),
    Mutant("ml-new-window", O, "vcert.ml",
           "  then_check (gate_check ctx s o (HC_new (va, pa)))\n    (if negb (accessible ctx va)",
           "  then_check (gate_check ctx s o (HC_new (va, pa)))\n    (if false",
           "new may map a hypervisor-window address",
           _tags(SETUP)),
    Mutant("ml-chmod-trusted-usr", O, "vcert.ml",
           "(if trusted ctx s.active_os then Svc else Usr)", "Usr",
           "chmod hands a trusted guest user mode"),
    Mutant("ml-valid-injective", O, "vcert.ml",
           "       | Some p -> let (_, inv) = p in injective_b pm inv\n",
           "       | Some _ -> true\n",
           "valid_state_b forgets that a physical map must be injective",
           _tags(VALIDITY, LAX)),
    Mutant("ml-valid-svc-waiting", O, "vcert.ml",
           "  | Waiting -> mode_eqb s.exec_mode Svc", "  | Waiting -> true",
           "valid_state_b lets the hypervisor run in user mode",
           _tags(VALIDITY, LAX)),
    Mutant("ml-valid-hcall-any", O, "vcert.ml",
           "    (||) (negb (trusted ctx o)) (is_none info.hcall)) s.oss",
           "    is_none info.hcall) s.oss",
           "valid_state_b forbids a pending hypercall to every guest, not only trusted ones",
           _tags(VALIDITY, STRICT)),
    Mutant("ml-valid-window-physical", O, "vcert.ml",
           "            (||) (negb (accessible ctx va))\n              (match lookup hyp_ix o with",
           "            (||) false\n              (match lookup hyp_ix o with",
           "valid_state_b asks that window mappings too name physical pages of the guest",
           _tags(VALIDITY, STRICT)),
)


def by_id(ids: list[str]) -> list[Mutant]:
    known = {m.id: m for m in CATALOGUE}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise ValueError(f"unknown mutants {unknown}; known: {sorted(known)}")
    return [known[i] for i in ids]


def patch_text(text: str, m: Mutant) -> str:
    count = text.count(m.old)
    if count != 1:
        raise NotApplicable(f"{m.id}: snippet found {count} times in {m.file} (expected once)")
    return text.replace(m.old, m.new)


def prepare(m: Mutant, workdir: Path) -> tuple[Path | None, Path | None]:
    """Build the mutated copy in `workdir`.  Returns (python path entry to put
    first, driver binary); None where the original is used."""
    workdir.mkdir(parents=True, exist_ok=True)
    if m.target == P:
        if not m.file.startswith(ORACLE_FILES):
            raise NotApplicable(f"{m.id}: {m.file} is not one of the oracle's files "
                                f"{ORACLE_FILES}")
        dest = workdir / "pyspec"
        shutil.copytree(ROOT / "pyspec", dest, ignore=shutil.ignore_patterns("__pycache__"))
        f = dest / m.file
        f.write_text(patch_text(f.read_text(), m))
        return workdir, None
    build = workdir / "driver"
    build.mkdir()
    for name in DRIVER_SOURCES:
        shutil.copy(ROOT / "extract" / name, build / Path(name).name)
    f = build / m.file
    f.write_text(patch_text(f.read_text(), m))
    files = [Path(n).name for n in DRIVER_SOURCES]
    proc = subprocess.run(["ocamlfind", "ocamlopt", "-package", "yojson", "-linkpkg", "-w", "-a",
                           *files, "-o", "vcert-driver"], cwd=build, capture_output=True,
                          text=True)
    if proc.returncode != 0:
        raise NotApplicable(f"{m.id}: the mutated OCaml does not build: {proc.stderr[-500:]}")
    return None, build / "vcert-driver"
