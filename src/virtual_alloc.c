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

#include <stdint.h>
#include <string.h>

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

/* The options wm_vm_reserve_ex accepts. */
#define WM_VM_RESERVE_OPTIONS (WM_VM_TOP_DOWN | WM_VM_WRITE_WATCH)

/* QueryWorkingSetEx entries asked for per call: a page of stack, no heap needed. */
#define WM_VM_WORKING_SET_BATCH 64

DWORD wm_vm_reserve_ex(void *address, SIZE_T size, DWORD options, void **base)
{
    void *reserved = NULL;

    if (base == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    *base = NULL;
    if (size == 0 || (options & ~(DWORD)WM_VM_RESERVE_OPTIONS) != 0) {
        return ERROR_INVALID_PARAMETER;
    }
    /* VirtualAlloc (Microsoft Learn): MEM_WRITE_WATCH must come with MEM_RESERVE, and the
     * watch can only be asked for when the range is reserved; MEM_TOP_DOWN only chooses
     * where the system puts it. */
    reserved = wm__os.VirtualAlloc(address, size,
                                   MEM_RESERVE | options, /* address space, plus the options */
                                   PAGE_NOACCESS);        /* ignored until pages are committed */
    if (reserved == NULL) {
        return GetLastError();
    }
    *base = reserved;
    return ERROR_SUCCESS;
}

/* The part of [start, end) that region [region_start, region_end) covers. */
static SIZE_T overlap(uintptr_t start, uintptr_t end, uintptr_t region_start, uintptr_t region_end)
{
    uintptr_t low = start > region_start ? start : region_start;
    uintptr_t high = end < region_end ? end : region_end;
    return high > low ? (SIZE_T)(high - low) : 0;
}

DWORD wm_vm_query_range(const void *address, SIZE_T size, wm_vm_usage_t *usage)
{
    MEMORY_BASIC_INFORMATION info;
    SYSTEM_INFO system;
    HANDLE self = GetCurrentProcess(); /* a pseudo-handle: no system call, never closed */
    uintptr_t start = 0;
    uintptr_t end = 0;
    uintptr_t cursor = 0;
    uintptr_t region_end = 0;
    SIZE_T written = 0;
    SIZE_T part = 0;

    if (usage == NULL || size == 0) {
        return ERROR_INVALID_PARAMETER;
    }
    memset(usage, 0, sizeof *usage);
    if ((uintptr_t)address > UINTPTR_MAX - size) {
        return ERROR_ARITHMETIC_OVERFLOW;
    }
    wm__os.GetSystemInfo(&system);
    /* Pages are the unit of state: round the range out to whole pages. */
    start = (uintptr_t)address & ~((uintptr_t)system.dwPageSize - 1);
    end = (uintptr_t)address + size;
    if (end > UINTPTR_MAX - (system.dwPageSize - 1)) {
        return ERROR_ARITHMETIC_OVERFLOW;
    }
    end = (end + system.dwPageSize - 1) & ~((uintptr_t)system.dwPageSize - 1);

    for (cursor = start; cursor < end; cursor = region_end) {
        /* VirtualQueryEx (Microsoft Learn): describes the run of pages from the one containing
         * the address with the same state, protection and type; the next run starts where
         * this one ends. It returns the bytes written into info, or 0 on failure. */
        written = wm__os.VirtualQueryEx(self, (LPCVOID)cursor, &info, sizeof info);
        if (written == 0) {
            return GetLastError();
        }
        region_end = (uintptr_t)info.BaseAddress + info.RegionSize;
        part = overlap(start, end, (uintptr_t)info.BaseAddress, region_end);
        usage->regions++;
        if (info.State == MEM_COMMIT) {
            usage->committed += part;
        } else if (info.State == MEM_RESERVE) {
            usage->reserved += part;
        } else {
            usage->free += part;
        }
    }
    return ERROR_SUCCESS;
}

DWORD wm_vm_resident_pages(const void *address, SIZE_T size, SIZE_T *resident)
{
    PSAPI_WORKING_SET_EX_INFORMATION batch[WM_VM_WORKING_SET_BATCH];
    SYSTEM_INFO system;
    HANDLE self = GetCurrentProcess(); /* a pseudo-handle: no system call, never closed */
    uintptr_t page = 0;
    uintptr_t end = 0;
    SIZE_T filled = 0;
    SIZE_T i = 0;
    BOOL ok = FALSE;

    if (resident == NULL || address == NULL || size == 0) {
        return ERROR_INVALID_PARAMETER;
    }
    *resident = 0;
    if ((uintptr_t)address > UINTPTR_MAX - size) {
        return ERROR_ARITHMETIC_OVERFLOW;
    }
    wm__os.GetSystemInfo(&system);
    page = (uintptr_t)address & ~((uintptr_t)system.dwPageSize - 1);
    end = (uintptr_t)address + size;
    while (page < end) {
        for (filled = 0; filled < WM_VM_WORKING_SET_BATCH && page < end; filled++) {
            batch[filled].VirtualAddress = (PVOID)page;
            page += system.dwPageSize;
        }
        /* QueryWorkingSetEx (Microsoft Learn): the caller names the pages in VirtualAddress;
         * the call fills each VirtualAttributes, whose Valid bit says the page is resident. */
        ok = wm__os.QueryWorkingSetEx(self, batch, (DWORD)(filled * sizeof batch[0]));
        if (!ok) {
            return GetLastError();
        }
        for (i = 0; i < filled; i++) {
            if (batch[i].VirtualAttributes.Valid) {
                (*resident)++;
            }
        }
    }
    return ERROR_SUCCESS;
}

DWORD wm_vm_reset(void *address, SIZE_T size)
{
    void *result = NULL;

    if (address == NULL || size == 0) {
        return ERROR_INVALID_PARAMETER;
    }
    /* VirtualAlloc, MEM_RESET (Microsoft Learn): the data is no longer of interest and
     * need not be paged out; it is not promised to be zero. MEM_RESET cannot be combined
     * with any other type, and the protection is ignored but must still be valid. */
    result = wm__os.VirtualAlloc(address, size, MEM_RESET, /* contents may be discarded */
                                 PAGE_NOACCESS);           /* ignored for MEM_RESET */
    if (result == NULL) {
        return GetLastError();
    }
    return ERROR_SUCCESS;
}

DWORD wm_vm_reset_undo(void *address, SIZE_T size)
{
    void *result = NULL;

    if (address == NULL || size == 0) {
        return ERROR_INVALID_PARAMETER;
    }
    /* VirtualAlloc, MEM_RESET_UNDO (Microsoft Learn): only for a range MEM_RESET was applied
     * to; success means all the data is intact, failure that some was zeroed. Windows 8 and
     * later: older systems (and Wine 8) reject the flag, which is how we learn at run time
     * that it is missing. */
    result = wm__os.VirtualAlloc(address, size, MEM_RESET_UNDO, /* keep the contents after all */
                                 PAGE_NOACCESS);                /* ignored for MEM_RESET_UNDO */
    if (result == NULL) {
        return GetLastError();
    }
    return ERROR_SUCCESS;
}

DWORD wm_vm_write_watch(void *base, SIZE_T size, int reset, void **pages, SIZE_T capacity,
                        SIZE_T *count)
{
    ULONG_PTR entries = 0;
    DWORD granularity = 0;
    UINT failed = 0;

    if (count == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    *count = 0;
    if (base == NULL || size == 0 || pages == NULL || capacity == 0) {
        return ERROR_INVALID_PARAMETER;
    }
    entries = capacity;
    /* GetWriteWatch (Microsoft Learn): lpdwCount goes in as the array's capacity and comes
     * back as the number of addresses stored; 0 means success, anything else failure.
     * WRITE_WATCH_FLAG_RESET resets the watch in the same call, so no write slips between
     * reading and resetting. */
    failed = wm__os.GetWriteWatch(reset ? WRITE_WATCH_FLAG_RESET : 0, /* reset as we read? */
                                  base, size, pages, &entries, &granularity);
    if (failed != 0) {
        return GetLastError();
    }
    *count = (SIZE_T)entries;
    return ERROR_SUCCESS;
}

DWORD wm_vm_write_watch_reset(void *base, SIZE_T size)
{
    UINT failed = 0;

    if (base == NULL || size == 0) {
        return ERROR_INVALID_PARAMETER;
    }
    /* ResetWriteWatch (Microsoft Learn): no thread may write to the range between the
     * GetWriteWatch that read it and this reset, or those writes go unseen. */
    failed = wm__os.ResetWriteWatch(base, size);
    if (failed != 0) {
        return GetLastError();
    }
    return ERROR_SUCCESS;
}
