/*
 * commit_on_demand.c - reserved regions committed page by page on first touch, by a
 * vectored exception handler.
 *
 * Rules, from Microsoft Learn:
 *  - AddVectoredExceptionHandler: vectored handlers run before any frame-based (__try)
 *    handler, in the order added; First != 0 puts ours at the front of the list.
 *  - PVECTORED_EXCEPTION_HANDLER: return EXCEPTION_CONTINUE_EXECUTION to resume at the
 *    faulting instruction, EXCEPTION_CONTINUE_SEARCH to let the next handler look.
 *  - EXCEPTION_RECORD: for EXCEPTION_ACCESS_VIOLATION, ExceptionInformation[0] is the
 *    access (0 read, 1 write, 8 execute/DEP) and ExceptionInformation[1] the address.
 *  - The same handler page warns against taking locks or allocating memory in a handler.
 *    We take one lock of our own, which no code holds while touching a region (so the
 *    faulting thread can never already hold it), and VirtualAlloc(MEM_COMMIT) takes no
 *    user-mode lock: that is the classic, documented use of MEM_COMMIT on demand
 *    ("Reserving and Committing Memory" on Microsoft Learn uses an exception filter that
 *    does the same).
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_commit_on_demand.h"

#include <string.h>

#include "wm_os.h"

/* The registry the handler searches, and the handler's handle. All guarded by lock. */
static SRWLOCK lock = SRWLOCK_INIT;
static wm_commit_on_demand_region_t *regions[WM_COMMIT_ON_DEMAND_MAX_REGIONS];
static SIZE_T region_count = 0;
static PVOID handler_handle = NULL;

/* AddVectoredExceptionHandler's First argument: call ours before the others. */
#define WM_COMMIT_ON_DEMAND_HANDLER_FIRST 1

/* The registered region containing address, or NULL. Call with the lock held. */
static wm_commit_on_demand_region_t *find_region(uintptr_t address)
{
    SIZE_T i = 0;
    uintptr_t start = 0;

    for (i = 0; i < region_count; i++) {
        start = (uintptr_t)regions[i]->base;
        if (address >= start && address - start < regions[i]->size) {
            return regions[i];
        }
    }
    return NULL;
}

/* Commits the page holding address for region, if the limit allows. Returns the verdict
 * for the handler. Call with the lock held. */
static LONG commit_page(wm_commit_on_demand_region_t *region, uintptr_t address, ULONG_PTR access)
{
    MEMORY_BASIC_INFORMATION info;
    HANDLE self = GetCurrentProcess(); /* a pseudo-handle: no system call, never closed */
    uintptr_t page = address & ~((uintptr_t)region->page_size - 1);
    SIZE_T written = 0;
    void *committed = NULL;

    /* Two threads may fault on the same page at once: the second gets the lock after the
     * first committed it. Then there is nothing to fix; let the instruction run again. A
     * committed page with another protection (someone called VirtualProtect) is not ours
     * to fix: pass it on, or the instruction would fault forever. */
    written = wm__os.VirtualQueryEx(self, (LPCVOID)page, &info, sizeof info);
    if (written == 0) {
        return EXCEPTION_CONTINUE_SEARCH;
    }
    if (info.State == MEM_COMMIT) {
        return info.Protect == PAGE_READWRITE ? EXCEPTION_CONTINUE_EXECUTION
                                              : EXCEPTION_CONTINUE_SEARCH;
    }
    if (region->commit_limit != 0 && region->committed + region->page_size > region->commit_limit) {
        region->refused++;
        return EXCEPTION_CONTINUE_SEARCH;
    }
    committed = wm__os.VirtualAlloc((LPVOID)page, region->page_size,
                                    MEM_COMMIT,      /* this one page, zero-filled */
                                    PAGE_READWRITE); /* the access that faulted may now run */
    if (committed == NULL) {
        return EXCEPTION_CONTINUE_SEARCH; /* out of commit: an honest access violation */
    }
    region->committed += region->page_size;
    region->faults++;
    region->last_fault_address = address;
    region->last_fault_access = access;
    return EXCEPTION_CONTINUE_EXECUTION;
}

static LONG CALLBACK wm__commit_on_demand_handler(PEXCEPTION_POINTERS pointers)
{
    const EXCEPTION_RECORD *record = pointers->ExceptionRecord;
    wm_commit_on_demand_region_t *region = NULL;
    uintptr_t address = 0;
    ULONG_PTR access = 0;
    LONG verdict = EXCEPTION_CONTINUE_SEARCH;

    if (record->ExceptionCode != EXCEPTION_ACCESS_VIOLATION || record->NumberParameters < 2) {
        return EXCEPTION_CONTINUE_SEARCH;
    }
    access = record->ExceptionInformation[0];
    address = (uintptr_t)record->ExceptionInformation[1];
    if (access == WM_COMMIT_ON_DEMAND_ACCESS_EXECUTE) {
        return EXCEPTION_CONTINUE_SEARCH; /* committing data pages cannot make code run */
    }
    wm__os.AcquireSRWLockExclusive(&lock);
    region = find_region(address);
    if (region != NULL) {
        verdict = commit_page(region, address, access);
    }
    wm__os.ReleaseSRWLockExclusive(&lock);
    return verdict;
}

DWORD wm_commit_on_demand_create(SIZE_T size, SIZE_T commit_limit,
                                 wm_commit_on_demand_region_t *region)
{
    SYSTEM_INFO system;
    void *base = NULL;
    PVOID handle = NULL;
    SIZE_T rounded = 0;
    DWORD error = ERROR_SUCCESS;

    if (region == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    memset(region, 0, sizeof *region);
    if (size == 0) {
        return ERROR_INVALID_PARAMETER;
    }
    wm__os.GetSystemInfo(&system);
    if (size > (SIZE_T)-1 - (system.dwPageSize - 1)) {
        return ERROR_ARITHMETIC_OVERFLOW;
    }
    rounded = (size + system.dwPageSize - 1) & ~((SIZE_T)system.dwPageSize - 1);
    base = wm__os.VirtualAlloc(NULL, rounded, MEM_RESERVE, /* address space only */
                               PAGE_NOACCESS);             /* every touch faults until committed */
    if (base == NULL) {
        return GetLastError();
    }

    wm__os.AcquireSRWLockExclusive(&lock);
    if (region_count == WM_COMMIT_ON_DEMAND_MAX_REGIONS) {
        error = ERROR_NOT_ENOUGH_QUOTA;
    } else if (handler_handle == NULL) {
        handle = wm__os.AddVectoredExceptionHandler(WM_COMMIT_ON_DEMAND_HANDLER_FIRST,
                                                    wm__commit_on_demand_handler);
        if (handle == NULL) {
            error = GetLastError();
        } else {
            handler_handle = handle;
        }
    }
    if (error == ERROR_SUCCESS) {
        region->base = base;
        region->size = rounded;
        region->page_size = system.dwPageSize;
        region->commit_limit = commit_limit;
        region->registered = 1;
        regions[region_count] = region;
        region_count++;
    }
    wm__os.ReleaseSRWLockExclusive(&lock);

    if (error != ERROR_SUCCESS) {
        /* Nothing was registered: give the address space back. If even that fails the
         * first error is the one to report; the reservation is then lost, not leaked
         * silently into a registered region. */
        (void)wm__os.VirtualFree(base, 0, MEM_RELEASE); /* whole reservation, size 0 */
        return error;
    }
    return ERROR_SUCCESS;
}

DWORD wm_commit_on_demand_stats(const wm_commit_on_demand_region_t *region,
                                wm_commit_on_demand_stats_t *stats)
{
    if (region == NULL || stats == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    memset(stats, 0, sizeof *stats);
    if (!region->registered) {
        return ERROR_INVALID_PARAMETER;
    }
    wm__os.AcquireSRWLockExclusive(&lock);
    stats->committed = region->committed;
    stats->faults = region->faults;
    stats->refused = region->refused;
    stats->last_fault_address = region->last_fault_address;
    stats->last_fault_access = region->last_fault_access;
    wm__os.ReleaseSRWLockExclusive(&lock);
    return ERROR_SUCCESS;
}

DWORD wm_commit_on_demand_destroy(wm_commit_on_demand_region_t *region)
{
    SIZE_T i = 0;
    SIZE_T found = WM_COMMIT_ON_DEMAND_MAX_REGIONS;
    ULONG removed = 0;
    BOOL released = FALSE;
    DWORD error = ERROR_SUCCESS;

    if (region == NULL || !region->registered) {
        return ERROR_INVALID_PARAMETER;
    }
    wm__os.AcquireSRWLockExclusive(&lock);
    for (i = 0; i < region_count; i++) {
        if (regions[i] == region) {
            found = i;
        }
    }
    if (found == WM_COMMIT_ON_DEMAND_MAX_REGIONS) {
        error = ERROR_INVALID_PARAMETER; /* not ours: a copy of the struct, say */
    } else if (region_count == 1) {
        /* The last region: the handler has nothing left to do. */
        removed = wm__os.RemoveVectoredExceptionHandler(handler_handle);
        if (removed == 0) {
            error = GetLastError();
        } else {
            handler_handle = NULL;
        }
    }
    if (error == ERROR_SUCCESS) {
        regions[found] = regions[region_count - 1];
        regions[region_count - 1] = NULL;
        region_count--;
        region->registered = 0;
    }
    wm__os.ReleaseSRWLockExclusive(&lock);
    if (error != ERROR_SUCCESS) {
        return error; /* still registered and reserved: the caller may try again */
    }

    released = wm__os.VirtualFree(region->base, 0, /* API rule: 0 with MEM_RELEASE */
                                  MEM_RELEASE);    /* the whole reservation */
    if (!released) {
        return GetLastError();
    }
    memset(region, 0, sizeof *region);
    return ERROR_SUCCESS;
}

SIZE_T wm_commit_on_demand_live_regions(void)
{
    SIZE_T count = 0;

    wm__os.AcquireSRWLockExclusive(&lock);
    count = region_count;
    wm__os.ReleaseSRWLockExclusive(&lock);
    return count;
}
