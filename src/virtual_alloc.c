/*
 * virtual_alloc.c - reserve, commit, decommit and release (VirtualAlloc, VirtualFree).
 *
 * Rules, from Microsoft Learn's VirtualAlloc and VirtualFree pages:
 *  - A reservation starts at a multiple of the allocation granularity (64 KiB), even when
 *    only one byte is asked for: the rest of that unit cannot be used by anything else.
 *  - A commit covers every page the range touches: 2 bytes across a page boundary commit
 *    2 pages.
 *  - MEM_RELEASE needs the reservation's base address and a size of 0.
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_virtual_alloc.h"

#include "wm_os.h"

DWORD wm_vm_reserve(void *address, SIZE_T size, void **base)
{
    void *reserved = NULL;

    if (base == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    *base = NULL;
    if (size == 0) {
        return ERROR_INVALID_PARAMETER;
    }
    reserved =
        wm__os.VirtualAlloc(address, size, MEM_RESERVE, /* address space only: no commit charge */
                            PAGE_NOACCESS);             /* ignored until pages are committed */
    if (reserved == NULL) {
        return GetLastError();
    }
    *base = reserved;
    return ERROR_SUCCESS;
}

DWORD wm_vm_commit(void *address, SIZE_T size, DWORD protection)
{
    void *committed = NULL;

    if (address == NULL || size == 0) {
        return ERROR_INVALID_PARAMETER;
    }
    committed = wm__os.VirtualAlloc(address, size,
                                    MEM_COMMIT, /* charge the commit limit; zero on first touch */
                                    protection);
    if (committed == NULL) {
        return GetLastError();
    }
    return ERROR_SUCCESS;
}

DWORD wm_vm_allocate(void *address, SIZE_T size, DWORD protection, void **base)
{
    void *allocated = NULL;

    if (base == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    *base = NULL;
    if (size == 0) {
        return ERROR_INVALID_PARAMETER;
    }
    allocated =
        wm__os.VirtualAlloc(address, size, MEM_RESERVE | MEM_COMMIT, /* both steps in one call */
                            protection);
    if (allocated == NULL) {
        return GetLastError();
    }
    *base = allocated;
    return ERROR_SUCCESS;
}

DWORD wm_vm_decommit(void *address, SIZE_T size)
{
    BOOL ok = FALSE;

    if (address == NULL || size == 0) {
        return ERROR_INVALID_PARAMETER;
    }
    ok = wm__os.VirtualFree(address, size, MEM_DECOMMIT); /* back to MEM_RESERVE */
    if (!ok) {
        return GetLastError();
    }
    return ERROR_SUCCESS;
}

DWORD wm_vm_release(void *base)
{
    BOOL ok = FALSE;

    if (base == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    ok = wm__os.VirtualFree(base, 0,      /* API rule: must be 0 with MEM_RELEASE */
                            MEM_RELEASE); /* the whole reservation, back to MEM_FREE */
    if (!ok) {
        return GetLastError();
    }
    return ERROR_SUCCESS;
}
