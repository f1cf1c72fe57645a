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

/*
 * Reserves like wm_vm_reserve, with options: WM_VM_TOP_DOWN places the reservation at the
 * highest free address instead of the lowest; WM_VM_WRITE_WATCH makes the system track
 * writes to its pages (see wm_vm_write_watch). Any other option bit gives
 * ERROR_INVALID_PARAMETER. On failure *base is NULL.
 */
DWORD wm_vm_reserve_ex(void *address, SIZE_T size, DWORD options, void **base);

#define WM_VM_TOP_DOWN MEM_TOP_DOWN       /* allocate from the top of the address space */
#define WM_VM_WRITE_WATCH MEM_WRITE_WATCH /* track written pages (GetWriteWatch) */

/* What a range of the address space holds, page by page, as VirtualQuery reports it. */
typedef struct wm_vm_usage_s
{
    SIZE_T committed; /* bytes in MEM_COMMIT pages */
    SIZE_T reserved;  /* bytes in MEM_RESERVE pages: address space with no storage */
    SIZE_T free;      /* bytes in MEM_FREE pages */
    SIZE_T regions;   /* VirtualQuery regions (runs of alike pages) the range spans */
} wm_vm_usage_t;

/*
 * Totals the pages of [address, address + size), rounded out to whole pages, by state,
 * asking VirtualQueryEx region by region. The range may span several reservations.
 * Fails with ERROR_INVALID_PARAMETER for a NULL usage or a zero size, with
 * ERROR_ARITHMETIC_OVERFLOW if the range wraps, and with VirtualQueryEx's error.
 */
DWORD wm_vm_query_range(const void *address, SIZE_T size, wm_vm_usage_t *usage);

/*
 * Counts the pages of [address, address + size) that are in this process's working set
 * right now (QueryWorkingSetEx's Valid bit): committed pages that have been touched and
 * are resident in RAM. Untouched committed pages are not resident.
 */
DWORD wm_vm_resident_pages(const void *address, SIZE_T size, SIZE_T *resident);

/*
 * MEM_RESET: tells the system the contents of the committed pages [address, address +
 * size) are no longer needed, so it may discard them instead of writing them to the page
 * file. The pages stay committed and keep their protection; their contents become
 * undefined (old data, or zeros: never rely on either).
 */
DWORD wm_vm_reset(void *address, SIZE_T size);

/*
 * MEM_RESET_UNDO (Windows 8 and later): asks for the contents of pages reset with
 * wm_vm_reset back. ERROR_SUCCESS means every byte is intact; a failure means at least
 * some of them were discarded (zeroed). Where the system does not offer it, the error is
 * ERROR_INVALID_PARAMETER, decided at run time.
 */
DWORD wm_vm_reset_undo(void *address, SIZE_T size);

/*
 * Lists the pages of [base, base + size) written since the reservation was made or the
 * watch was last reset. base must be inside a reservation made with WM_VM_WRITE_WATCH.
 * pages receives up to capacity page addresses, in address order; *count the number
 * stored. With reset != 0 the watch is reset in the same call (WRITE_WATCH_FLAG_RESET).
 */
DWORD wm_vm_write_watch(void *base, SIZE_T size, int reset, void **pages, SIZE_T capacity,
                        SIZE_T *count);

/* Forgets the writes recorded for [base, base + size): ResetWriteWatch. */
DWORD wm_vm_write_watch_reset(void *base, SIZE_T size);

#endif /* WM_VIRTUAL_ALLOC_H */
