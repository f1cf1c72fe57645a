/*
 * wm_commit_on_demand.h - reserved regions whose pages are committed on first touch.
 *
 * A region is reserved up front (address space only) and registered with a vectored
 * exception handler. Touching one of its reserved pages raises an access violation; the
 * handler sees that the address is in a registered region, commits that one page
 * (VirtualAlloc with MEM_COMMIT) and returns EXCEPTION_CONTINUE_EXECUTION, so the
 * instruction runs again and succeeds. Only the pages actually touched are committed: a
 * sparse 1 GiB table that is written in ten places costs ten pages.
 *
 * Several regions may be live at once, touched from any thread: the handler and the
 * functions below share one lock. A fault outside every region, a fault that is not an
 * access violation, an execute fault, or one the commit limit refuses is passed on
 * untouched (EXCEPTION_CONTINUE_SEARCH) to the next handler, and in the end to the
 * system's default handling. The handler is added with the first region and removed with
 * the last. No __try, no longjmp: the handler fixes the cause and lets the code go on.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WM_COMMIT_ON_DEMAND_H
#define WM_COMMIT_ON_DEMAND_H

#include <stddef.h>
#include <stdint.h>
#include <windows.h>

/* One region. The caller owns the struct and must keep it in place (not copy or move
 * it) from wm_commit_on_demand_create to wm_commit_on_demand_destroy: the handler finds it by its
 * address. The fields are written by the handler under the module's lock; read them through
 * wm_commit_on_demand_stats, which takes the lock, while other threads may touch the region. */
typedef struct wm_commit_on_demand_region_s
{
    void *base;                   /* the reservation: a multiple of the allocation granularity */
    SIZE_T size;                  /* bytes reserved, a whole number of pages */
    SIZE_T page_size;             /* the unit the handler commits */
    SIZE_T commit_limit;          /* the most bytes the handler may commit; 0 = the whole region */
    SIZE_T committed;             /* bytes the handler has committed so far */
    SIZE_T faults;                /* access violations the handler fixed by committing a page */
    SIZE_T refused;               /* faults passed on because the commit limit was reached */
    uintptr_t last_fault_address; /* the address the last fixed fault touched */
    ULONG_PTR last_fault_access;  /* its ExceptionInformation[0]: 0 read, 1 write */
    int registered;               /* 1 between create and destroy */
} wm_commit_on_demand_region_t;

/* A snapshot of a region's counters, taken under the lock. */
typedef struct wm_commit_on_demand_stats_s
{
    SIZE_T committed;             /* bytes committed by the handler */
    SIZE_T faults;                /* faults fixed */
    SIZE_T refused;               /* faults refused by the commit limit */
    uintptr_t last_fault_address; /* the last fixed fault's address, or 0 */
    ULONG_PTR last_fault_access;  /* 0 read, 1 write */
} wm_commit_on_demand_stats_t;

/* The most regions live at once. */
#define WM_COMMIT_ON_DEMAND_MAX_REGIONS 16

/* The access types of an access violation, ExceptionInformation[0] (EXCEPTION_RECORD). */
#define WM_COMMIT_ON_DEMAND_ACCESS_READ 0    /* the instruction read the address */
#define WM_COMMIT_ON_DEMAND_ACCESS_WRITE 1   /* the instruction wrote it */
#define WM_COMMIT_ON_DEMAND_ACCESS_EXECUTE 8 /* DEP: it tried to run code there */

/*
 * Reserves size bytes (rounded up to whole pages) and registers them for commit on
 * demand with read-write pages. commit_limit caps the bytes the handler commits (0: no
 * cap); a touch past it is passed on as an ordinary access violation. Adds the vectored
 * handler if this is the first region. Fails with ERROR_INVALID_PARAMETER (NULL region,
 * zero size), ERROR_NOT_ENOUGH_QUOTA when WM_COMMIT_ON_DEMAND_MAX_REGIONS are live, or the error of
 * VirtualAlloc or AddVectoredExceptionHandler; on failure nothing is reserved or
 * registered and *region is zeroed.
 */
DWORD wm_commit_on_demand_create(SIZE_T size, SIZE_T commit_limit,
                                 wm_commit_on_demand_region_t *region);

/* Copies region's counters into stats under the lock. */
DWORD wm_commit_on_demand_stats(const wm_commit_on_demand_region_t *region,
                                wm_commit_on_demand_stats_t *stats);

/*
 * Unregisters region (removing the handler if it was the last) and releases its
 * reservation, committed pages and all. From then on a touch of its addresses is an
 * ordinary access violation. The struct is zeroed on success. If the release itself fails,
 * the region is unregistered but its reservation is still at region->base: release it
 * with wm_vm_release.
 */
DWORD wm_commit_on_demand_destroy(wm_commit_on_demand_region_t *region);

/* How many regions are registered right now (0 means the handler is not installed). */
SIZE_T wm_commit_on_demand_live_regions(void);

#endif /* WM_COMMIT_ON_DEMAND_H */
