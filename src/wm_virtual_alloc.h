/*
 * wm_virtual_alloc.h - reserve, commit, decommit and release address space (VirtualAlloc
 * and VirtualFree), with the rules checked and the real error codes returned.
 *
 * The life of a page: MEM_FREE -> (reserve) MEM_RESERVE -> (commit) MEM_COMMIT, and back
 * with decommit and release. Reserving takes address space only; committing charges the
 * commit limit; RAM is used only when a committed page is first touched.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WM_VIRTUAL_ALLOC_H
#define WM_VIRTUAL_ALLOC_H

#include <stddef.h>
#include <windows.h>

/*
 * Reserves size bytes of address space with no storage behind them, at address if it is
 * not NULL (the system rounds it down to the allocation granularity) or wherever the
 * system chooses, and stores the base in *base. The reservation covers whole pages and
 * starts at a multiple of the allocation granularity. Release it with wm_vm_release.
 * On failure *base is NULL and the error is VirtualAlloc's.
 */
DWORD wm_vm_reserve(void *address, SIZE_T size, void **base);

/*
 * Commits the pages that [address, address + size) touches, inside an existing
 * reservation, with protection (PAGE_READWRITE, ...). Committing pages that are already
 * committed succeeds and keeps their contents. Outside any reservation it fails with
 * ERROR_INVALID_ADDRESS.
 */
DWORD wm_vm_commit(void *address, SIZE_T size, DWORD protection);

/*
 * Reserves and commits size bytes in one call (MEM_RESERVE | MEM_COMMIT) at address (or
 * anywhere if NULL), storing the base in *base.
 */
DWORD wm_vm_allocate(void *address, SIZE_T size, DWORD protection, void **base);

/* Decommits the pages [address, address + size) touches; they stay reserved. */
DWORD wm_vm_decommit(void *address, SIZE_T size);

/*
 * Releases a whole reservation. base must be the address the reservation started at
 * (what wm_vm_reserve or wm_vm_allocate returned): VirtualFree with MEM_RELEASE frees
 * the whole reservation or nothing, and requires a size of 0.
 */
DWORD wm_vm_release(void *base);

#endif /* WM_VIRTUAL_ALLOC_H */
