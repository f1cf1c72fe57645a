/*
 * wm_virtual_memory.h - the address space: what VirtualQuery says about an address, a walk
 * over every region from the lowest to the highest application address, and a summary.
 *
 * A region is a run of pages with the same state, protection and type. Walking from the
 * lowest application address and stepping by each region's size visits the whole user
 * address space, with no gaps: that is the promise the virtual-memory lesson checks.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WM_VIRTUAL_MEMORY_H
#define WM_VIRTUAL_MEMORY_H

#include <stddef.h>
#include <stdint.h>
#include <windows.h>

/* One region, as MEMORY_BASIC_INFORMATION describes it. */
typedef struct wm_region_s
{
    uintptr_t base;            /* first address of the region, page-aligned */
    SIZE_T size;               /* bytes, a multiple of the page size */
    DWORD state;               /* MEM_FREE, MEM_RESERVE or MEM_COMMIT */
    DWORD protect;             /* PAGE_* now; 0 when reserved; undefined when free */
    DWORD type;                /* MEM_IMAGE, MEM_MAPPED or MEM_PRIVATE; 0 when free */
    uintptr_t allocation_base; /* base of the reservation or view this belongs to */
    DWORD allocation_protect;  /* the protection given when it was reserved */
} wm_region_t;

/* Totals over one walk of the address space. */
typedef struct wm_space_summary_s
{
    uintptr_t start;             /* where the walk began: the lowest application address */
    uintptr_t end;               /* where it ended: one past the last region */
    SIZE_T regions;              /* regions visited */
    SIZE_T gaps;                 /* times a region did not start where the last ended */
    ULONGLONG free_bytes;        /* MEM_FREE: nothing there */
    ULONGLONG reserved_bytes;    /* MEM_RESERVE: address space held, no storage */
    ULONGLONG committed_bytes;   /* MEM_COMMIT: backed by RAM or the page file */
    ULONGLONG committed_image;   /* ...of which executables and DLLs (MEM_IMAGE) */
    ULONGLONG committed_mapped;  /* ...of which file and section views (MEM_MAPPED) */
    ULONGLONG committed_private; /* ...of which private memory: heaps, stacks, VirtualAlloc */
    ULONGLONG largest_free;      /* the biggest MEM_FREE region */
} wm_space_summary_t;

/*
 * Visitor for wm_space_walk: return 0 to go on, anything else to stop the walk early
 * (wm_space_walk then returns ERROR_SUCCESS).
 */
typedef int (*wm_region_fn)(void *context, const wm_region_t *region);

/*
 * Describes the region containing address in process (GetCurrentProcess() for this one;
 * another process needs PROCESS_QUERY_INFORMATION). An address above the highest
 * application address fails with ERROR_INVALID_PARAMETER, as VirtualQueryEx does.
 */
DWORD wm_space_query(HANDLE process, uintptr_t address, wm_region_t *region);

/*
 * Calls visit for each region from the lowest to the highest application address, in
 * address order. A region's size is whatever VirtualQueryEx reports; the next query
 * starts where the region ends. Fails with VirtualQueryEx's error if a query fails.
 */
DWORD wm_space_walk(HANDLE process, wm_region_fn visit, void *context);

/* Walks process's address space and totals it into summary. */
DWORD wm_space_summarize(HANDLE process, wm_space_summary_t *summary);

/* A state, type or protection as its constant's name: "MEM_COMMIT", "PAGE_READWRITE".
 * Unknown values give "?". For protections only the base value is named (no modifiers). */
const char *wm_state_name(DWORD state);
const char *wm_type_name(DWORD type);
const char *wm_protect_name(DWORD protect);

#endif /* WM_VIRTUAL_MEMORY_H */
