/*
 * virtual-alloc.c - lesson 3: allocating virtual memory directly with VirtualAlloc.
 *
 * What you will see when you run it:
 *   1. Reserve 1 GiB: address space only; nothing committed; where it starts.
 *   2. MEM_TOP_DOWN: a reservation from the other end of the address space.
 *   3. Commit a few pages inside the 1 GiB: committed, but in RAM only once touched.
 *   4. Reservations round: a 1-byte reservation takes a page and its granularity unit.
 *   5. Commits round: 2 bytes across a page boundary commit two pages.
 *   6. Mistakes and their error codes.
 *   7. The access that faults: reading and writing reserved pages, caught and fixed.
 *   8. Decommit against release.
 *   9. Commit on demand: a sparse 1 GiB sheet that commits only the pages written.
 *  10. MEM_RESET and MEM_RESET_UNDO: what they promise and what they do not.
 *  11. Write watch: the system lists exactly the pages written.
 *  12. An arena allocator: reserve once, commit in chunks, bump-allocate.
 *  13. A quick timing of the arena against HeapAlloc (values only).
 *  14. A ring buffer mapped twice back to back: wrap-around without copying.
 *  15. Large pages: what they need (the "Lock pages in memory" right).
 *  16. AWE physical pages: the same right.
 *
 * Run:  virtual-alloc [--json] [--pause] [--require-large-pages]
 * Docs: docs/virtual-alloc.md (every claim below has its evidence there, by its id)
 *
 * SPDX-License-Identifier: MIT
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>
#include <windows.h>

#include "winmem.h"
#include "wm_lesson.h"

#define LESSON_NAME "virtual-alloc"
#define LESSON_TITLE                                                                               \
    "VirtualAlloc gives direct control of address space: reserve it, commit pages as needed, "     \
    "choose their protection, and give them back."

#ifndef MEM_RESERVE_PLACEHOLDER
#define MEM_RESERVE_PLACEHOLDER 0x00040000 /* documented value; mingw-w64 10 lacks it */
#endif
#ifndef MEM_RESET_UNDO
#define MEM_RESET_UNDO 0x01000000 /* documented value (Windows 8 and later) */
#endif

/* Step 1 reserves this much; step 9's sheet is the same size. */
#define GIGABYTE (1024ull * 1024u * 1024u)

/* Step 3 commits this many pages, starting this many pages into the reservation, and
 * touches the first TOUCHED_PAGES of them. */
#define COMMITTED_PAGES 4
#define COMMIT_OFFSET_PAGES 16
#define TOUCHED_PAGES 2

/* A commit-charge change smaller than this is noise from the calls themselves. */
#define NOISE_BYTES (1024u * 1024u)

/* Step 9: the sheet is SHEET_ROWS x SHEET_COLUMNS cells of CELL_BYTES. */
#define SHEET_ROWS 1024u
#define SHEET_COLUMNS 1024u
#define CELL_BYTES 1024u

/* Step 11: a region of WATCH_PAGES pages, written at three of them. */
#define WATCH_PAGES 16

/* Steps 12 and 13: the arena, the small blocks it hands out, and the quick timing. */
#define ARENA_RESERVE (256u * 1024u * 1024u)
#define ARENA_CHUNK (64u * 1024u)
#define ARENA_BLOCKS 10000u
#define TIMING_BLOCKS 200000u
#define TIMING_BLOCK_BYTES 32u

/* Step 14: the ring's size, and how far before its end the wrapping write starts. */
#define RING_BYTES (64u * 1024u)
#define RING_MESSAGE_BYTES 10000u
#define RING_LEAD_BYTES 4000u

/* Steps 10 and 14's fill pattern: a byte that depends on its position. */
#define PATTERN_BYTE(index) ((unsigned char)(((index)*131u + 7u) & 0xFFu))

/* What the command line sets, and what the steps hand on to later ones. */
typedef struct lesson_state_s
{
    int require_large_pages; /* --require-large-pages: exit 77 when there are none */
    SYSTEM_INFO system;      /* page size and allocation granularity (GetSystemInfo) */
    unsigned char *gigabyte; /* step 1's reservation: step 3 commits in it and releases it */
    DWORD privilege_error;   /* step 15: enabling SeLockMemoryPrivilege; step 16 reads it */
} lesson_state_t;

/* How Wine is recorded to differ (docs/deviations.md has the rows). Each claim that names
 * one checks its own observation of it: "this is Wine" alone never makes a verdict. */
static const wm_deviation_t PRIVATE_USAGE_UNFILLED = {
    "wine-private-usage-unfilled",
    "GetProcessMemoryInfo fills only the base PROCESS_MEMORY_COUNTERS and leaves "
    "PrivateUsage unwritten, so the commit charge cannot be observed."};
static const wm_deviation_t PLACEHOLDERS_REJECTED = {
    "wine-placeholders-rejected",
    "VirtualAlloc2 exists but rejects MEM_RESERVE_PLACEHOLDER with ERROR_INVALID_PARAMETER, "
    "so the ring falls back to reserve, release and map twice."};
static const wm_deviation_t LARGE_PAGES_REJECTED = {
    "wine-large-pages-rejected",
    "VirtualAlloc rejects every MEM_LARGE_PAGES request with ERROR_INVALID_PARAMETER, even "
    "a well-formed one (MEM_RESERVE | MEM_COMMIT, a multiple of the large-page minimum)."};
static const wm_deviation_t AWE_NOT_IMPLEMENTED = {
    "wine-awe-not-implemented",
    "AllocateUserPhysicalPages fails with ERROR_CALL_NOT_IMPLEMENTED: AWE is missing."};

/* An error code as a value: "487 Attempt to access invalid address." (the text is the
 * system's, so it differs between Windows and Wine; claims compare codes only). */
static void value_error(wm_lesson_t *lesson, const char *name, DWORD error)
{
    char text[256];

    (void)wm_error_text(error, text, sizeof text);
    wm_value_text(lesson, name, text);
}

/* The state of the region at address, as VirtualQuery reports it (0 if the call fails). */
static DWORD state_at(const void *address)
{
    MEMORY_BASIC_INFORMATION region;
    SIZE_T written = 0;

    written = VirtualQuery(address, &region, sizeof region);
    return written == 0 ? 0 : region.State;
}

/* ------------------------------------------------------------------------------------ */
/* Step 1. Reserve 1 GiB.                                                               */
/* ------------------------------------------------------------------------------------ */

static void show_reserve(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    wm_process_counters_t before;
    wm_process_counters_t after;
    wm_vm_usage_t usage;
    void *base = NULL;
    DWORD error = ERROR_SUCCESS;
    int64_t commit_growth = 0;

    error = wm_process_counters(GetCurrentProcess(), &before);
    if (!wm_require(lesson, "GetProcessMemoryInfo (before)", error)) {
        return;
    }
    base = VirtualAlloc(NULL,           /* anywhere: the system picks the address */
                        GIGABYTE,       /* 1 GiB of addresses */
                        MEM_RESERVE,    /* address space only: no RAM, no commit charge */
                        PAGE_NOACCESS); /* nothing may touch it until it is committed */
    if (!wm_require_win32(lesson, "VirtualAlloc(MEM_RESERVE, 1 GiB)", base != NULL)) {
        return;
    }
    state->gigabyte = (unsigned char *)base; /* step 3 commits in it, then releases it */
    error = wm_process_counters(GetCurrentProcess(), &after);
    if (!wm_require(lesson, "GetProcessMemoryInfo (after)", error)) {
        return;
    }
    error = wm_vm_query_range(base, GIGABYTE, &usage); /* VirtualQuery, region by region */
    if (!wm_require(lesson, "VirtualQuery over the range", error)) {
        return;
    }
    commit_growth = (int64_t)after.private_bytes - (int64_t)before.private_bytes;

    wm_value_address(lesson, "reservation base", (uintptr_t)base);
    wm_value_bytes(lesson, "reserved (VirtualQuery)", usage.reserved);
    wm_value_bytes(lesson, "committed (VirtualQuery)", usage.committed);
    wm_value_signed(lesson, "commit charge (PrivateUsage) change", commit_growth, "bytes");

    wm_claim(lesson, "va.reserve-aligned", "The base is a multiple of the allocation granularity.",
             (uintptr_t)base % state->system.dwAllocationGranularity == 0);
    wm_claim(lesson, "va.reserve-nothing-committed",
             "VirtualQuery finds the whole 1 GiB reserved and nothing committed.",
             usage.reserved == GIGABYTE && usage.committed == 0);
    /* A counter the call never wrote shows nothing: that is the deviation, not a pass. */
    wm_claim_or_deviation(
        lesson, "va.reserve-no-commit-charge", "Reserving adds nothing to the commit charge.",
        before.private_written && after.private_written && commit_growth < (int64_t)NOISE_BYTES,
        !before.private_written && !after.private_written, &PRIVATE_USAGE_UNFILLED);
}

/* ------------------------------------------------------------------------------------ */
/* Step 2. MEM_TOP_DOWN.                                                                */
/* ------------------------------------------------------------------------------------ */

static void show_top_down(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    void *low = NULL;
    void *high = NULL;
    BOOL ok = FALSE;

    low = VirtualAlloc(NULL, state->system.dwPageSize, /* one page */
                       MEM_RESERVE,                    /* the default: lowest free addresses */
                       PAGE_NOACCESS);
    if (!wm_require_win32(lesson, "VirtualAlloc(MEM_RESERVE)", low != NULL)) {
        return;
    }
    high = VirtualAlloc(NULL, state->system.dwPageSize,
                        MEM_RESERVE | MEM_TOP_DOWN, /* the highest free addresses instead */
                        PAGE_NOACCESS);
    if (wm_require_win32(lesson, "VirtualAlloc(MEM_RESERVE | MEM_TOP_DOWN)", high != NULL)) {
        wm_value_address(lesson, "a plain reservation", (uintptr_t)low);
        wm_value_address(lesson, "a MEM_TOP_DOWN reservation", (uintptr_t)high);
        wm_claim(lesson, "va.top-down-above",
                 "MEM_TOP_DOWN places the reservation above the plain one.",
                 (uintptr_t)high > (uintptr_t)low);
        ok = VirtualFree(high, 0, MEM_RELEASE); /* size 0: the whole reservation */
        (void)wm_require_win32(lesson, "VirtualFree(MEM_RELEASE) of the top-down one", ok);
    }
    ok = VirtualFree(low, 0, MEM_RELEASE);
    (void)wm_require_win32(lesson, "VirtualFree(MEM_RELEASE) of the plain one", ok);
}

/* ------------------------------------------------------------------------------------ */
/* Step 3. Commit a few pages inside the 1 GiB.                                         */
/* ------------------------------------------------------------------------------------ */

static void show_commit_and_touch(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    SIZE_T page = state->system.dwPageSize;
    SIZE_T commit_bytes = (SIZE_T)COMMITTED_PAGES * page;
    volatile unsigned char *pages = NULL;
    wm_vm_usage_t usage;
    SIZE_T resident_before = 0;
    SIZE_T resident_after = 0;
    DWORD error = ERROR_SUCCESS;
    BOOL ok = FALSE;
    int i = 0;

    pages = (volatile unsigned char *)VirtualAlloc(
        state->gigabyte + (SIZE_T)COMMIT_OFFSET_PAGES * page, /* inside step 1's range */
        commit_bytes,                                         /* 4 pages */
        MEM_COMMIT,      /* charge storage; the addresses are already reserved */
        PAGE_READWRITE); /* committed pages get a real protection */
    if (!wm_require_win32(lesson, "VirtualAlloc(MEM_COMMIT, 4 pages)", pages != NULL)) {
        return;
    }
    error = wm_vm_query_range(state->gigabyte, GIGABYTE, &usage);
    if (error == ERROR_SUCCESS) { /* QueryWorkingSetEx's Valid bit, page by page */
        error = wm_vm_resident_pages((const void *)pages, commit_bytes, &resident_before);
    }
    for (i = 0; i < TOUCHED_PAGES; i++) {
        pages[(SIZE_T)i * page] = 1; /* the first write maps a zero-filled page in */
    }
    if (error == ERROR_SUCCESS) {
        error = wm_vm_resident_pages((const void *)pages, commit_bytes, &resident_after);
    }
    if (wm_require(lesson, "VirtualQuery and QueryWorkingSetEx", error)) {
        wm_value_address(lesson, "committed pages start at", (uintptr_t)pages);
        wm_value_bytes(lesson, "committed (VirtualQuery)", usage.committed);
        wm_value_bytes(lesson, "still only reserved", usage.reserved);
        wm_value_count(lesson, "pages in RAM before touching", resident_before, "pages");
        wm_value_count(lesson, "pages touched", TOUCHED_PAGES, "pages");
        wm_value_count(lesson, "pages in RAM after touching", resident_after, "pages");
        wm_claim(lesson, "va.commit-exact",
                 "VirtualQuery finds exactly the 4 committed pages committed.",
                 usage.committed == commit_bytes && usage.reserved == GIGABYTE - commit_bytes);
        wm_claim(lesson, "va.commit-not-resident", "Committed but untouched pages are not in RAM.",
                 resident_before == 0);
        wm_claim(lesson, "va.touch-resident", "Touching pages brings exactly those into RAM.",
                 resident_after == TOUCHED_PAGES);
    }
    ok = VirtualFree(state->gigabyte, 0, /* the base VirtualAlloc returned, size 0 */
                     MEM_RELEASE);       /* the whole 1 GiB, committed pages and all */
    state->gigabyte = NULL;
    (void)wm_require_win32(lesson, "VirtualFree(MEM_RELEASE) of the 1 GiB", ok);
}

/* ------------------------------------------------------------------------------------ */
/* Step 4. Reservations round to pages and to the granularity.                          */
/* ------------------------------------------------------------------------------------ */

static void show_reservation_rounding(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    SIZE_T page = state->system.dwPageSize;
    MEMORY_BASIC_INFORMATION region;
    unsigned char *tiny = NULL;
    void *neighbour = NULL;
    SIZE_T written = 0;
    DWORD neighbour_error = ERROR_SUCCESS;
    DWORD next_state = 0;
    BOOL ok = FALSE;

    tiny = (unsigned char *)VirtualAlloc(NULL, 1, /* one byte */
                                         MEM_RESERVE, PAGE_NOACCESS);
    if (!wm_require_win32(lesson, "VirtualAlloc(MEM_RESERVE, 1 byte)", tiny != NULL)) {
        return;
    }
    written = VirtualQuery(tiny, &region, sizeof region);
    if (!wm_require_win32(lesson, "VirtualQuery on it", written != 0)) {
        return;
    }
    next_state = state_at(tiny + page);
    /* The page after it is free, but a reservation's address rounds down to the
     * allocation granularity: onto the unit tiny already holds. */
    neighbour = VirtualAlloc(tiny + page, 1, MEM_RESERVE, PAGE_NOACCESS);
    neighbour_error = neighbour == NULL ? GetLastError() : ERROR_SUCCESS;

    wm_value_count(lesson, "asked for", 1, "byte");
    wm_value_bytes(lesson, "region VirtualQuery reports", region.RegionSize);
    wm_value_text(lesson, "state of the next page", wm_state_name(next_state));
    value_error(lesson, "reserving the next page", neighbour_error);
    wm_claim(lesson, "va.round-one-page", "A 1-byte reservation is one whole page.",
             region.RegionSize == page && region.State == MEM_RESERVE);
    wm_claim(lesson, "va.round-next-page-free", "The page after it is MEM_FREE...",
             next_state == MEM_FREE);
    wm_claim(lesson, "va.round-next-page-taken",
             "...yet cannot be reserved: its address rounds down to the granularity unit "
             "already taken.",
             neighbour == NULL);
    if (neighbour != NULL) {
        (void)VirtualFree(neighbour, 0, MEM_RELEASE);
    }
    ok = VirtualFree(tiny, 0, MEM_RELEASE);
    (void)wm_require_win32(lesson, "VirtualFree(MEM_RELEASE)", ok);
}

/* ------------------------------------------------------------------------------------ */
/* Step 5. Commits round out to whole pages.                                            */
/* ------------------------------------------------------------------------------------ */

static void show_commit_rounding(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    SIZE_T page = state->system.dwPageSize;
    wm_vm_usage_t usage;
    unsigned char *four_pages = NULL;
    void *committed = NULL;
    DWORD error = ERROR_SUCCESS;
    BOOL ok = FALSE;

    four_pages = (unsigned char *)VirtualAlloc(NULL, 4 * page, MEM_RESERVE, PAGE_NOACCESS);
    if (!wm_require_win32(lesson, "VirtualAlloc(MEM_RESERVE, 4 pages)", four_pages != NULL)) {
        return;
    }
    committed = VirtualAlloc(four_pages + page - 1, /* the last byte of page 0... */
                             2,                     /* ...and the first byte of page 1 */
                             MEM_COMMIT, PAGE_READWRITE);
    if (wm_require_win32(lesson, "VirtualAlloc(MEM_COMMIT, 2 bytes)", committed != NULL)) {
        error = wm_vm_query_range(four_pages, 4 * page, &usage);
        if (wm_require(lesson, "VirtualQuery over the 4 pages", error)) {
            wm_value_address(lesson, "VirtualAlloc returned", (uintptr_t)committed);
            wm_value_bytes(lesson, "committed for 2 bytes", usage.committed);
            wm_claim(lesson, "va.commit-two-pages",
                     "2 bytes across a page boundary commit 2 pages, from the first page's start.",
                     usage.committed == 2 * page && committed == (void *)four_pages);
        }
    }
    ok = VirtualFree(four_pages, 0, MEM_RELEASE);
    (void)wm_require_win32(lesson, "VirtualFree(MEM_RELEASE)", ok);
}

/* ------------------------------------------------------------------------------------ */
/* Step 6. Mistakes and their error codes.                                              */
/* ------------------------------------------------------------------------------------ */

static void show_mistakes(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    SIZE_T page = state->system.dwPageSize;
    unsigned char *reserved = NULL;
    void *result = NULL;
    DWORD commit_error = ERROR_SUCCESS;
    DWORD sized_error = ERROR_SUCCESS;
    DWORD interior_error = ERROR_SUCCESS;
    DWORD state_after = 0;
    BOOL sized = FALSE;
    BOOL interior = FALSE;
    BOOL ok = FALSE;

    reserved = (unsigned char *)VirtualAlloc(NULL, 2 * page, MEM_RESERVE, PAGE_NOACCESS);
    if (!wm_require_win32(lesson, "VirtualAlloc(MEM_RESERVE, 2 pages)", reserved != NULL)) {
        return;
    }
    sized = VirtualFree(reserved, page, /* wrong: MEM_RELEASE takes size 0 */
                        MEM_RELEASE);
    sized_error = sized ? ERROR_SUCCESS : GetLastError();
    interior = VirtualFree(reserved + page, 0, /* wrong: not the base */
                           MEM_RELEASE);
    interior_error = interior ? ERROR_SUCCESS : GetLastError();
    state_after = state_at(reserved); /* still MEM_RESERVE: neither call freed anything */
    wm_value_text(lesson, "state after both", wm_state_name(state_after));
    ok = VirtualFree(reserved, 0, MEM_RELEASE); /* right: the base and size 0 */
    if (!wm_require_win32(lesson, "VirtualFree(base, 0, MEM_RELEASE)", ok)) {
        return;
    }
    /* The range is free now: committing there has nothing to commit into. */
    result = VirtualAlloc(reserved, page, MEM_COMMIT, /* without MEM_RESERVE */
                          PAGE_READWRITE);
    commit_error = result == NULL ? GetLastError() : ERROR_SUCCESS;

    value_error(lesson, "release with a non-zero size", sized_error);
    value_error(lesson, "release from an interior address", interior_error);
    value_error(lesson, "commit where nothing is reserved", commit_error);
    wm_claim(lesson, "va.release-size-87",
             "Releasing with a non-zero size fails with ERROR_INVALID_PARAMETER.",
             !sized && sized_error == ERROR_INVALID_PARAMETER);
    wm_claim(lesson, "va.release-interior-fails",
             "Releasing from an address inside the reservation fails (and the reservation "
             "was still there for the right call).",
             !interior && ok);
    /* Which code the refusal carries is not documented: it is the value above. */
    wm_claim(lesson, "va.commit-unreserved-fails", "Committing where nothing is reserved fails.",
             result == NULL);
    if (result != NULL) {
        (void)VirtualFree(result, 0, MEM_RELEASE);
    }
}

/* ------------------------------------------------------------------------------------ */
/* Step 7. The access that faults.                                                      */
/* ------------------------------------------------------------------------------------ */

static void show_faulting_access(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    SIZE_T page = state->system.dwPageSize;
    wm_commit_on_demand_region_t guarded;
    wm_commit_on_demand_stats_t after_read;
    wm_commit_on_demand_stats_t after_write;
    volatile unsigned char *read_target = NULL;
    volatile unsigned char *write_target = NULL;
    DWORD error = ERROR_SUCCESS;
    unsigned char read_value = 0xFF;
    const unsigned char written_value = 0x5A;

    /* Two reserved pages, watched by the vectored handler of wm_commit_on_demand.h: it
     * records the fault, commits the page and returns EXCEPTION_CONTINUE_EXECUTION. */
    error = wm_commit_on_demand_create(2 * page, 0, &guarded);
    if (!wm_require(lesson, "Reserving 2 pages watched by a vectored handler", error)) {
        return;
    }
    read_target = (volatile unsigned char *)guarded.base + 100;
    write_target = (volatile unsigned char *)guarded.base + page + 200;

    read_value = *read_target; /* reserved, not committed: an access violation (read) */
    error = wm_commit_on_demand_stats(&guarded, &after_read);
    *write_target = written_value; /* the same for a write, on the other page */
    if (error == ERROR_SUCCESS) {
        error = wm_commit_on_demand_stats(&guarded, &after_write);
    }
    if (wm_require(lesson, "Reading the handler's record", error)) {
        wm_value_address(lesson, "read a reserved byte at", (uintptr_t)read_target);
        wm_value_address(lesson, "  fault address recorded", after_read.last_fault_address);
        wm_value_count(lesson, "  access type (0 read, 1 write)", after_read.last_fault_access,
                       NULL);
        wm_value_address(lesson, "wrote a reserved byte at", (uintptr_t)write_target);
        wm_value_address(lesson, "  fault address recorded", after_write.last_fault_address);
        wm_value_count(lesson, "  access type (0 read, 1 write)", after_write.last_fault_access,
                       NULL);
        wm_value_count(lesson, "access violations handled", after_write.faults, NULL);
        wm_claim(lesson, "va.fault-read",
                 "Reading a reserved page raised an access violation "
                 "at that address, marked as a read.",
                 after_read.last_fault_address == (uintptr_t)read_target &&
                     after_read.last_fault_access == WM_COMMIT_ON_DEMAND_ACCESS_READ);
        wm_claim(lesson, "va.fault-write",
                 "Writing a reserved page raised an access violation "
                 "at that address, marked as a write.",
                 after_write.last_fault_address == (uintptr_t)write_target &&
                     after_write.last_fault_access == WM_COMMIT_ON_DEMAND_ACCESS_WRITE);
        wm_claim(lesson, "va.fault-retried",
                 "Once the handler committed the pages, the read ran again and gave 0, and the "
                 "write stuck.",
                 after_write.faults == 2 && read_value == 0 && *write_target == written_value);
    }
    error = wm_commit_on_demand_destroy(&guarded);
    (void)wm_require(lesson, "Removing the handler and releasing the pages", error);
}

/* ------------------------------------------------------------------------------------ */
/* Step 8. Decommit against release.                                                    */
/* ------------------------------------------------------------------------------------ */

static void show_decommit_and_release(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    SIZE_T size = 2 * (SIZE_T)state->system.dwPageSize;
    volatile unsigned char *bytes = NULL;
    void *again = NULL;
    DWORD after_decommit = 0;
    DWORD after_release = 0;
    BOOL ok = FALSE;
    unsigned char after_recommit = 0xFF;

    bytes = (volatile unsigned char *)VirtualAlloc(NULL, size,
                                                   MEM_RESERVE | MEM_COMMIT, /* both at once */
                                                   PAGE_READWRITE);
    if (!wm_require_win32(lesson, "VirtualAlloc(MEM_RESERVE | MEM_COMMIT)", bytes != NULL)) {
        return;
    }
    bytes[0] = 0xAB;
    bytes[size - 1] = 0xCD;
    ok = VirtualFree((void *)bytes, size, /* any run of pages may be decommitted */
                     MEM_DECOMMIT);       /* storage back; addresses kept */
    if (!wm_require_win32(lesson, "VirtualFree(MEM_DECOMMIT)", ok)) {
        return;
    }
    after_decommit = state_at((const void *)bytes);
    again = VirtualAlloc((void *)bytes, size, MEM_COMMIT, PAGE_READWRITE);
    if (wm_require_win32(lesson, "VirtualAlloc(MEM_COMMIT) again", again != NULL)) {
        after_recommit = (unsigned char)(bytes[0] | bytes[size - 1]);
    }
    ok = VirtualFree((void *)bytes, 0, MEM_RELEASE); /* addresses back too */
    if (!wm_require_win32(lesson, "VirtualFree(MEM_RELEASE)", ok)) {
        return;
    }
    after_release = state_at((const void *)bytes);

    wm_value_text(lesson, "state after decommit", wm_state_name(after_decommit));
    wm_value_hex(lesson, "bytes written before", 0xABCD, "0xAB first, 0xCD last");
    wm_value_hex(lesson, "read after recommit", after_recommit, "first | last");
    wm_value_text(lesson, "state after release", wm_state_name(after_release));
    wm_claim(lesson, "va.decommit-reserved", "After decommit the pages are reserved, not free.",
             after_decommit == MEM_RESERVE);
    wm_claim(lesson, "va.recommit-zero", "After decommit and recommit the contents are zero.",
             after_recommit == 0);
    wm_claim(lesson, "va.release-free", "After release the address space is free.",
             after_release == MEM_FREE);
}

/* ------------------------------------------------------------------------------------ */
/* Step 9. Commit on demand.                                                            */
/* ------------------------------------------------------------------------------------ */

/* Scattered cells (row, column) of step 9's sheet; the first two share a page. */
static const unsigned sheet_cells[][2] = {
    {0, 0}, {0, 1}, {1, 500}, {17, 17}, {300, 1023}, {512, 512}, {800, 3}, {1023, 1023},
};
#define SHEET_CELL_COUNT (sizeof sheet_cells / sizeof sheet_cells[0])

/* The pages step 9's cells are on, counted once each (the sheet's layout, not the OS). */
static SIZE_T sheet_pages_touched(SIZE_T page)
{
    SIZE_T distinct = 0;
    SIZE_T i = 0;
    SIZE_T j = 0;
    SIZE_T offset = 0;
    int seen = 0;

    for (i = 0; i < SHEET_CELL_COUNT; i++) {
        offset = ((SIZE_T)sheet_cells[i][0] * SHEET_COLUMNS + sheet_cells[i][1]) * CELL_BYTES;
        seen = 0;
        for (j = 0; j < i; j++) {
            SIZE_T other =
                ((SIZE_T)sheet_cells[j][0] * SHEET_COLUMNS + sheet_cells[j][1]) * CELL_BYTES;
            seen |= other / page == offset / page;
        }
        distinct += seen ? 0 : 1;
    }
    return distinct;
}

static void show_commit_on_demand(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    SIZE_T page = state->system.dwPageSize;
    wm_commit_on_demand_region_t sheet;
    wm_commit_on_demand_stats_t stats;
    wm_vm_usage_t usage;
    volatile unsigned char *cell = NULL;
    SIZE_T touched_pages = 0;
    SIZE_T live_regions = 0;
    SIZE_T i = 0;
    DWORD error = ERROR_SUCCESS;
    int readable = 1;

    error = wm_commit_on_demand_create((SIZE_T)SHEET_ROWS * SHEET_COLUMNS * CELL_BYTES, 0, &sheet);
    if (!wm_require(lesson, "Reserving the sheet and adding the handler", error)) {
        return;
    }
    for (i = 0; i < SHEET_CELL_COUNT; i++) {
        cell = (volatile unsigned char *)sheet.base +
               ((SIZE_T)sheet_cells[i][0] * SHEET_COLUMNS + sheet_cells[i][1]) * CELL_BYTES;
        cell[0] = (unsigned char)(i + 1); /* the first write to a page faults, once */
    }
    for (i = 0; i < SHEET_CELL_COUNT; i++) {
        cell = (volatile unsigned char *)sheet.base +
               ((SIZE_T)sheet_cells[i][0] * SHEET_COLUMNS + sheet_cells[i][1]) * CELL_BYTES;
        readable &= cell[0] == (unsigned char)(i + 1); /* committed now: no fault */
    }
    error = wm_commit_on_demand_stats(&sheet, &stats);
    if (error == ERROR_SUCCESS) {
        error = wm_vm_query_range(sheet.base, sheet.size, &usage);
    }
    touched_pages = sheet_pages_touched(page);
    if (wm_require(lesson, "The handler's counters and VirtualQuery over the sheet", error)) {
        wm_value_bytes(lesson, "sheet reserved", sheet.size);
        wm_value_count(lesson, "cells written", SHEET_CELL_COUNT, NULL);
        wm_value_count(lesson, "distinct pages they are on", touched_pages, "pages");
        wm_value_count(lesson, "faults handled (pages committed)", stats.faults, NULL);
        wm_value_bytes(lesson, "committed (VirtualQuery)", usage.committed);
        wm_claim(lesson, "va.sparse-readback", "Every cell reads back what was written to it.",
                 readable);
        wm_claim(lesson, "va.sparse-one-fault-per-page",
                 "Each touched page faulted once: after its commit, the other cells on it did not "
                 "fault.",
                 stats.faults == touched_pages);
        wm_claim(lesson, "va.sparse-only-touched",
                 "VirtualQuery finds only the touched pages committed.",
                 usage.committed == touched_pages * page);
    }
    error = wm_commit_on_demand_destroy(&sheet);
    (void)wm_require(lesson, "Removing the handler and releasing the sheet", error);
    live_regions = wm_commit_on_demand_live_regions(); /* 0: the handler is removed */
    wm_value_count(lesson, "regions the handler still watches", live_regions, NULL);
}

/* ------------------------------------------------------------------------------------ */
/* Step 10. MEM_RESET and MEM_RESET_UNDO.                                               */
/* ------------------------------------------------------------------------------------ */

/* 1 when size bytes at bytes hold the pattern. */
static int holds_pattern(const volatile unsigned char *bytes, SIZE_T size)
{
    SIZE_T i = 0;

    for (i = 0; i < size; i++) {
        if (bytes[i] != PATTERN_BYTE(i)) {
            return 0;
        }
    }
    return 1;
}

static void show_reset(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    SIZE_T size = 4 * (SIZE_T)state->system.dwPageSize;
    MEMORY_BASIC_INFORMATION region;
    volatile unsigned char *bytes = NULL;
    void *result = NULL;
    SIZE_T i = 0;
    SIZE_T written = 0;
    DWORD undo_error = ERROR_SUCCESS;
    BOOL ok = FALSE;
    int intact_after_reset = 0;
    int intact_after_undo = 0;

    bytes = (volatile unsigned char *)VirtualAlloc(NULL, size, MEM_RESERVE | MEM_COMMIT,
                                                   PAGE_READWRITE);
    if (!wm_require_win32(lesson, "VirtualAlloc(MEM_RESERVE | MEM_COMMIT)", bytes != NULL)) {
        return;
    }
    for (i = 0; i < size; i++) {
        bytes[i] = PATTERN_BYTE(i);
    }
    result =
        VirtualAlloc((void *)bytes, size, MEM_RESET, /* alone: "these contents no longer matter" */
                     PAGE_NOACCESS);                 /* ignored with MEM_RESET, but must be valid */
    if (!wm_require_win32(lesson, "VirtualAlloc(MEM_RESET)", result != NULL)) {
        return;
    }
    intact_after_reset = holds_pattern(bytes, size);
    written = VirtualQuery((const void *)bytes, &region, sizeof region);
    result = VirtualAlloc((void *)bytes, size,
                          MEM_RESET_UNDO, /* alone: "I want them back" (Windows 8 and later) */
                          PAGE_NOACCESS); /* ignored here too */
    undo_error = result == NULL ? GetLastError() : ERROR_SUCCESS;
    intact_after_undo = holds_pattern(bytes, size);

    wm_value_text(lesson, "data intact right after MEM_RESET", intact_after_reset ? "yes" : "no");
    value_error(lesson, "MEM_RESET_UNDO result", undo_error);
    wm_value_text(lesson, "data intact after MEM_RESET_UNDO", intact_after_undo ? "yes" : "no");
    /* Not a claim: whether the data is still there right after MEM_RESET (it may be
     * discarded at any time, so either is right). */
    wm_claim(lesson, "va.reset-stays-committed",
             "After MEM_RESET the pages are still committed read-write.",
             written != 0 && region.State == MEM_COMMIT &&
                 (region.Protect & 0xFFu) == PAGE_READWRITE);
    wm_claim(lesson, "va.reset-undo-promise",
             "MEM_RESET_UNDO keeps its promise: success with every byte intact, or failure "
             "with some bytes zeroed.",
             (undo_error == ERROR_SUCCESS && intact_after_undo) ||
                 (undo_error != ERROR_SUCCESS && !intact_after_undo));
    ok = VirtualFree((void *)bytes, 0, MEM_RELEASE);
    (void)wm_require_win32(lesson, "VirtualFree(MEM_RELEASE)", ok);
}

/* ------------------------------------------------------------------------------------ */
/* Step 11. Write watch.                                                                */
/* ------------------------------------------------------------------------------------ */

static void show_write_watch(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    static const SIZE_T written_pages[] = {1, 6, 11};
    const SIZE_T written_count = sizeof written_pages / sizeof written_pages[0];
    SIZE_T page = state->system.dwPageSize;
    void *listed[WATCH_PAGES];
    void *listed_after[WATCH_PAGES];
    ULONG_PTR count = WATCH_PAGES; /* in: the array's capacity; out: pages listed */
    ULONG_PTR count_after = WATCH_PAGES;
    ULONG granularity = 0;
    volatile unsigned char *pages = NULL;
    UINT failed = 0;
    SIZE_T i = 0;
    BOOL ok = FALSE;
    unsigned char sink = 0;
    int exact = 1;

    pages = (volatile unsigned char *)VirtualAlloc(
        NULL, WATCH_PAGES * page, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, /* note every write */
        PAGE_READWRITE);
    if (!wm_require_win32(lesson, "VirtualAlloc(MEM_WRITE_WATCH)", pages != NULL)) {
        return;
    }
    sink = pages[3 * page]; /* a read: not a write, not listed */
    for (i = 0; i < written_count; i++) {
        pages[written_pages[i] * page + 8] = 0x11;
    }
    failed = GetWriteWatch(WRITE_WATCH_FLAG_RESET, /* list, and start the record over */
                           (void *)pages, WATCH_PAGES * page, listed, &count, &granularity);
    if (wm_require_win32(lesson, "GetWriteWatch(WRITE_WATCH_FLAG_RESET)", failed == 0)) {
        failed = GetWriteWatch(0, /* list only */
                               (void *)pages, WATCH_PAGES * page, listed_after, &count_after,
                               &granularity);
        (void)wm_require_win32(lesson, "GetWriteWatch", failed == 0);
    }
    if (failed == 0) {
        wm_value_text(lesson, "pages written", "1, 6, 11 (and page 3 read)");
        wm_value_count(lesson, "pages GetWriteWatch listed", count, "pages");
        for (i = 0; i < count; i++) {
            wm_value_count(lesson, "  listed page number",
                           ((uintptr_t)listed[i] - (uintptr_t)pages) / page, NULL);
            exact &= i < written_count && listed[i] == (void *)(pages + written_pages[i] * page);
        }
        wm_value_count(lesson, "listed after the reset", count_after, "pages");
        wm_value_count(lesson, "the byte read from page 3", sink, NULL);
        wm_claim(lesson, "va.write-watch-exact",
                 "GetWriteWatch lists exactly the pages written, in order; not the read one.",
                 count == written_count && exact);
        wm_claim(lesson, "va.write-watch-reset", "After WRITE_WATCH_FLAG_RESET it lists nothing.",
                 count_after == 0);
    }
    ok = VirtualFree((void *)pages, 0, MEM_RELEASE);
    (void)wm_require_win32(lesson, "VirtualFree(MEM_RELEASE)", ok);
}

/* ------------------------------------------------------------------------------------ */
/* Step 12. The arena.                                                                  */
/* ------------------------------------------------------------------------------------ */

/* 10,000 blocks of 16-215 bytes with alignments 1 to 4096; counts the misaligned ones
 * and notes how much was committed after the first 1,000. */
static DWORD fill_arena(wm_arena_t *arena, unsigned *misaligned, SIZE_T *committed_at_1000)
{
    static const SIZE_T alignments[] = {1, 8, 16, 64, 4096};
    const SIZE_T alignment_count = sizeof alignments / sizeof alignments[0];
    void *block = NULL;
    SIZE_T alignment = 0;
    DWORD error = ERROR_SUCCESS;
    unsigned i = 0;

    for (i = 0; i < ARENA_BLOCKS && error == ERROR_SUCCESS; i++) {
        alignment = alignments[i % alignment_count];
        error = wm_arena_alloc(arena, 16 + (SIZE_T)(i * 37u) % 200, alignment, &block);
        if (error == ERROR_SUCCESS && (uintptr_t)block % alignment != 0) {
            (*misaligned)++;
        }
        if (i + 1 == 1000) {
            *committed_at_1000 = wm_arena_committed(arena);
        }
    }
    return error;
}

static void show_arena(wm_lesson_t *lesson, void *context)
{
    wm_arena_t arena;
    wm_vm_usage_t usage;
    SIZE_T committed_at_1000 = 0;
    SIZE_T committed = 0;
    SIZE_T used = 0;
    uintptr_t base = 0;
    unsigned misaligned = 0;
    DWORD error = ERROR_SUCCESS;
    DWORD state_after = 0;

    (void)context;
    error = wm_arena_create(ARENA_RESERVE, ARENA_CHUNK, &arena); /* one MEM_RESERVE */
    if (!wm_require(lesson, "Reserving the arena (256 MiB, 64 KiB chunks)", error)) {
        return;
    }
    base = arena.base;
    error = fill_arena(&arena, &misaligned, &committed_at_1000);
    if (error == ERROR_SUCCESS) {
        error = wm_vm_query_range((void *)arena.base, ARENA_RESERVE, &usage);
    }
    if (wm_require(lesson, "10,000 blocks, then VirtualQuery over the arena", error)) {
        committed = wm_arena_committed(&arena);
        used = wm_arena_used(&arena);
        wm_value_bytes(lesson, "reserved", ARENA_RESERVE);
        wm_value_bytes(lesson, "committed after 1,000 blocks", committed_at_1000);
        wm_value_bytes(lesson, "used after 10,000 blocks", used);
        wm_value_bytes(lesson, "committed after 10,000 blocks", committed);
        wm_value_count(lesson, "times it grew", arena.grows, NULL);
        wm_value_count(lesson, "blocks not aligned as asked", misaligned, NULL);
        wm_claim(lesson, "va.arena-query-agrees",
                 "VirtualQuery agrees with the arena: exactly its chunks committed, the rest "
                 "reserved.",
                 usage.committed == committed && usage.reserved == ARENA_RESERVE - committed);
    }
    error = wm_arena_reset(&arena, 0); /* forget every block; MEM_DECOMMIT the pages */
    if (error == ERROR_SUCCESS) {
        error = wm_vm_query_range((void *)arena.base, ARENA_RESERVE, &usage);
    }
    if (wm_require(lesson, "Resetting the arena (decommitting)", error)) {
        wm_claim(lesson, "va.arena-decommit-reserved",
                 "After a decommitting reset nothing is committed; all is still reserved.",
                 usage.committed == 0 && usage.reserved == ARENA_RESERVE);
    }
    error = wm_arena_release(&arena); /* one MEM_RELEASE */
    if (wm_require(lesson, "Releasing the arena", error)) {
        state_after = state_at((const void *)base);
        wm_claim(lesson, "va.arena-release-free", "After release the arena's range is MEM_FREE.",
                 state_after == MEM_FREE);
    }
}

/* ------------------------------------------------------------------------------------ */
/* Step 13. A quick timing.                                                             */
/* ------------------------------------------------------------------------------------ */

/* Seconds between two QueryPerformanceCounter readings. */
static double seconds_between(LARGE_INTEGER start, LARGE_INTEGER end, LARGE_INTEGER frequency)
{
    return (double)(end.QuadPart - start.QuadPart) / (double)frequency.QuadPart;
}

static void show_timing(wm_lesson_t *lesson, void *context)
{
    LARGE_INTEGER frequency;
    LARGE_INTEGER start;
    LARGE_INTEGER middle;
    LARGE_INTEGER end;
    wm_arena_t arena;
    HANDLE heap = NULL;
    void *block = NULL;
    DWORD error = ERROR_SUCCESS;
    unsigned i = 0;
    unsigned heap_failures = 0;
    BOOL ok = FALSE;
    double arena_seconds = 0.0;
    double heap_seconds = 0.0;
    char ratio[64];

    (void)context;
    error = wm_arena_create((SIZE_T)TIMING_BLOCKS * TIMING_BLOCK_BYTES * 2, ARENA_CHUNK, &arena);
    if (!wm_require(lesson, "Creating the timing arena", error)) {
        return;
    }
    heap = HeapCreate(HEAP_NO_SERIALIZE, /* one thread: the arena takes no lock either */
                      0, 0);             /* growable, default initial size */
    if (wm_require_win32(lesson, "HeapCreate", heap != NULL)) {
        (void)QueryPerformanceFrequency(&frequency); /* cannot fail on Windows XP and later */
        (void)QueryPerformanceCounter(&start);
        for (i = 0; i < TIMING_BLOCKS && error == ERROR_SUCCESS; i++) {
            error = wm_arena_alloc(&arena, TIMING_BLOCK_BYTES, sizeof(void *), &block);
        }
        (void)QueryPerformanceCounter(&middle);
        for (i = 0; i < TIMING_BLOCKS; i++) {
            block = HeapAlloc(heap, 0, TIMING_BLOCK_BYTES); /* no flags: not zeroed */
            heap_failures += block == NULL ? 1u : 0u;
        }
        (void)QueryPerformanceCounter(&end);
        arena_seconds = seconds_between(start, middle, frequency);
        heap_seconds = seconds_between(middle, end, frequency);
        if (error == ERROR_SUCCESS && heap_failures > 0) {
            error = ERROR_NOT_ENOUGH_MEMORY; /* HeapAlloc without HEAP_GENERATE_EXCEPTIONS */
        }
        if (wm_require(lesson, "200,000 blocks from the arena and from HeapAlloc", error)) {
            wm_value_count(lesson, "timed allocations of 32 bytes", TIMING_BLOCKS, "each");
            wm_value_count(lesson, "arena, total", (uint64_t)(arena_seconds * 1e6), "µs");
            wm_value_count(lesson, "HeapAlloc, total", (uint64_t)(heap_seconds * 1e6), "µs");
            snprintf(ratio, sizeof ratio, "%.1fx (quick timing, one run: not a benchmark)",
                     arena_seconds > 0.0 ? heap_seconds / arena_seconds : 0.0);
            wm_value_text(lesson, "HeapAlloc time / arena time", ratio);
        }
        ok = HeapDestroy(heap);
        (void)wm_require_win32(lesson, "HeapDestroy", ok);
    }
    error = wm_arena_release(&arena);
    (void)wm_require(lesson, "Releasing the timing arena", error);
}

/* ------------------------------------------------------------------------------------ */
/* Step 14. The ring buffer.                                                            */
/* ------------------------------------------------------------------------------------ */

/* VirtualAlloc2's signature (memoryapi.h). It is looked up at run time: Windows before 10
 * version 1803 lacks it, and so do some import libraries. */
typedef PVOID(WINAPI *virtual_alloc2_fn)(HANDLE, PVOID, SIZE_T, ULONG, ULONG,
                                         MEM_EXTENDED_PARAMETER *, ULONG);
/* GetProcAddress's FARPROC goes through a generic function pointer first (C allows that
 * between function pointer types; it keeps GCC's -Wcast-function-type quiet). */
typedef void (*any_function_t)(void);

/* The first call of the placeholder method, in plain sight: VirtualAlloc2 reserving a
 * placeholder of size bytes, released again at once. ERROR_SUCCESS when the system
 * accepts placeholders, ERROR_PROC_NOT_FOUND when it has no VirtualAlloc2, else the error
 * the call failed with. */
static DWORD try_a_placeholder(SIZE_T size)
{
    HMODULE kernelbase = GetModuleHandleW(L"kernelbase.dll"); /* in every Win32 process */
    FARPROC found = NULL;
    virtual_alloc2_fn virtual_alloc2 = NULL;
    void *placeholder = NULL;
    BOOL ok = FALSE;

    if (kernelbase != NULL) {
        found = GetProcAddress(kernelbase, "VirtualAlloc2");
    }
    if (found == NULL) {
        return ERROR_PROC_NOT_FOUND;
    }
    virtual_alloc2 = (virtual_alloc2_fn)(any_function_t)found;
    placeholder = virtual_alloc2(GetCurrentProcess(), NULL, size,
                                 MEM_RESERVE | MEM_RESERVE_PLACEHOLDER, /* a placeholder */
                                 PAGE_NOACCESS, /* placeholders are never accessible */
                                 NULL, 0);      /* no extended parameters */
    if (placeholder == NULL) {
        return GetLastError();
    }
    ok = VirtualFree(placeholder, 0, MEM_RELEASE); /* a whole placeholder: size 0 */
    return ok ? ERROR_SUCCESS : GetLastError();
}

/* Moves the ring's positions to RING_LEAD_BYTES before its end (writes and reads a
 * lead-in, in pieces that fit the buffer), then writes the message across the end and
 * reads it back: one memcpy each, however the ring was built. */
static DWORD wrap_a_message(wm_ring_t *ring, const unsigned char *message, unsigned char *read_back)
{
    unsigned char lead[RING_BYTES];
    SIZE_T lead_left = ring->size - RING_LEAD_BYTES;
    SIZE_T piece = 0;
    DWORD error = ERROR_SUCCESS;

    memset(lead, 0, sizeof lead);
    while (lead_left > 0 && error == ERROR_SUCCESS) {
        piece = lead_left < sizeof lead ? lead_left : sizeof lead;
        error = wm_ring_write(ring, lead, piece);
        if (error == ERROR_SUCCESS) {
            error = wm_ring_read(ring, lead, piece);
        }
        lead_left -= piece;
    }
    if (error == ERROR_SUCCESS) {
        error = wm_ring_write(ring, message, RING_MESSAGE_BYTES);
    }
    if (error == ERROR_SUCCESS) {
        error = wm_ring_read(ring, read_back, RING_MESSAGE_BYTES);
    }
    return error;
}

static void show_ring(wm_lesson_t *lesson, void *context)
{
    unsigned char message[RING_MESSAGE_BYTES];
    unsigned char read_back[RING_MESSAGE_BYTES];
    wm_ring_t ring;
    SIZE_T i = 0;
    DWORD error = ERROR_SUCCESS;
    DWORD placeholder_error = ERROR_SUCCESS;
    int mirrored = 1;
    int same = 0;

    (void)context;
    placeholder_error = try_a_placeholder(2 * (SIZE_T)RING_BYTES);
    value_error(lesson, "VirtualAlloc2(MEM_RESERVE_PLACEHOLDER)", placeholder_error);
    error = wm_ring_create(RING_BYTES, WM_RING_ANY, &ring); /* placeholders, else remap */
    if (!wm_require(lesson, "Creating the ring", error)) {
        return;
    }
    for (i = 0; i < RING_MESSAGE_BYTES; i++) {
        message[i] = PATTERN_BYTE(i);
    }
    memset(read_back, 0, sizeof read_back);
    error = wrap_a_message(&ring, message, read_back);
    if (wm_require(lesson, "Writing 10,000 bytes across the end and reading them back", error)) {
        for (i = 0; i < RING_MESSAGE_BYTES - RING_LEAD_BYTES; i++) {
            mirrored &= ring.base[i] == ring.base[ring.size + i]; /* byte i is byte i + size */
        }
        wm_value_text(lesson, "method used", wm_ring_method_name(ring.method));
        wm_value_count(lesson, "mapping attempts (remap method)", ring.attempts, NULL);
        wm_value_address(lesson, "first view", (uintptr_t)ring.base);
        wm_value_address(lesson, "second view", (uintptr_t)(ring.base + ring.size));
        wm_value_count(lesson, "bytes past the end", RING_MESSAGE_BYTES - RING_LEAD_BYTES, NULL);
        same = memcmp(message, read_back, RING_MESSAGE_BYTES) == 0;
        wm_claim(lesson, "va.ring-readback",
                 "The block read back equals the block written, byte for byte.", same);
        wm_claim(lesson, "va.ring-views-coherent",
                 "The bytes written past the end are the first bytes of the storage: both views "
                 "show them.",
                 mirrored);
    }
    if (placeholder_error == ERROR_PROC_NOT_FOUND) {
        wm_note(lesson, "Placeholders are unavailable here: this system has no VirtualAlloc2 "
                        "(Windows 10 version 1803 and later have it), so the ring used "
                        "reserve, release and map twice.");
    } else {
        wm_claim_or_deviation(
            lesson, "va.ring-placeholder",
            "VirtualAlloc2 reserves a placeholder, and the ring was built with "
            "placeholders: no race with other threads.",
            placeholder_error == ERROR_SUCCESS && ring.method == WM_RING_PLACEHOLDER,
            placeholder_error == ERROR_INVALID_PARAMETER && ring.method == WM_RING_REMAP,
            &PLACEHOLDERS_REJECTED);
    }
    error = wm_ring_destroy(&ring);
    (void)wm_require(lesson, "Unmapping both views and closing the section", error);
}

/* ------------------------------------------------------------------------------------ */
/* Step 15. Large pages.                                                                */
/* ------------------------------------------------------------------------------------ */

static void show_large_pages(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    SIZE_T minimum = 0;
    void *large = NULL;
    DWORD large_error = ERROR_SUCCESS;
    BOOL ok = FALSE;

    minimum = GetLargePageMinimum(); /* cannot fail: 0 means no large pages */
    state->privilege_error = wm_large_page_enable_privilege(); /* AdjustTokenPrivileges */
    wm_value_bytes(lesson, "large-page minimum", minimum);
    value_error(lesson, "enabling SeLockMemoryPrivilege", state->privilege_error);
    /* Not a claim: that the minimum is a power of two is nowhere promised. */
    if (minimum == 0) {
        wm_note(lesson, "Large pages are unavailable here: GetLargePageMinimum returned 0.");
        return;
    }
    large = VirtualAlloc(NULL, minimum,             /* a multiple of the minimum */
                         MEM_RESERVE | MEM_COMMIT | /* both in one call: required */
                             MEM_LARGE_PAGES,       /* one TLB entry, locked in RAM */
                         PAGE_READWRITE);           /* large pages are always read-write */
    large_error = large == NULL ? GetLastError() : ERROR_SUCCESS;
    value_error(lesson, "VirtualAlloc(MEM_LARGE_PAGES)", large_error);
    if (state->privilege_error != ERROR_SUCCESS) {
        wm_claim(lesson, "va.large-needs-privilege",
                 "Without the privilege, VirtualAlloc(MEM_LARGE_PAGES) fails.", large == NULL);
    } else if (large_error == ERROR_NO_SYSTEM_RESOURCES) {
        wm_note(lesson, "A large page is unavailable here right now: VirtualAlloc failed with "
                        "ERROR_NO_SYSTEM_RESOURCES (1450), no contiguous physical memory.");
    } else {
        wm_claim_or_deviation(lesson, "va.large-with-privilege",
                              "With the privilege, one large page can be allocated.", large != NULL,
                              large_error == ERROR_INVALID_PARAMETER, &LARGE_PAGES_REJECTED);
    }
    if (large != NULL) {
        ok = VirtualFree(large, 0, MEM_RELEASE);
        (void)wm_require_win32(lesson, "VirtualFree(MEM_RELEASE) of the large page", ok);
    }
}

/* ------------------------------------------------------------------------------------ */
/* Step 16. AWE.                                                                        */
/* ------------------------------------------------------------------------------------ */

static void show_awe(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    ULONG_PTR frames[1];
    ULONG_PTR frame_count = 1; /* in: pages asked for; out: pages given */
    DWORD awe_error = ERROR_SUCCESS;
    BOOL ok = FALSE;

    ok = AllocateUserPhysicalPages(GetCurrentProcess(), &frame_count, frames);
    awe_error = ok ? ERROR_SUCCESS : GetLastError();
    value_error(lesson, "AllocateUserPhysicalPages", awe_error);
    if (state->privilege_error != ERROR_SUCCESS) {
        wm_claim_or_deviation(lesson, "va.awe-needs-privilege",
                              "Without the privilege, AllocateUserPhysicalPages fails with "
                              "ERROR_PRIVILEGE_NOT_HELD.",
                              awe_error == ERROR_PRIVILEGE_NOT_HELD,
                              awe_error == ERROR_CALL_NOT_IMPLEMENTED, &AWE_NOT_IMPLEMENTED);
    } else {
        /* With the privilege the call may give fewer pages than asked for, not none. */
        wm_claim_or_deviation(lesson, "va.awe-with-privilege",
                              "With the privilege, AllocateUserPhysicalPages gives a physical "
                              "page.",
                              awe_error == ERROR_SUCCESS && frame_count >= 1,
                              awe_error == ERROR_CALL_NOT_IMPLEMENTED, &AWE_NOT_IMPLEMENTED);
    }
    if (ok) {
        ok = FreeUserPhysicalPages(GetCurrentProcess(), &frame_count, frames);
        (void)wm_require_win32(lesson, "FreeUserPhysicalPages", ok);
    }
}

/* ------------------------------------------------------------------------------------ */
/* The lesson as a table: its steps and option.                                         */
/* ------------------------------------------------------------------------------------ */

static void set_defaults(void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;

    GetSystemInfo(&state->system); /* cannot fail: page size and granularity */
}

static const wm_lesson_step_t steps[] = {
    {"Reserve 1 GiB",
     "VirtualAlloc with MEM_RESERVE marks a range of addresses as taken and nothing else: no "
     "RAM, no page file, no commit charge. The range starts at a multiple of the allocation "
     "granularity. VirtualQuery, asked region by region, finds it reserved and not committed.",
     show_reserve},
    {"MEM_TOP_DOWN",
     "By default a reservation takes the lowest free addresses that fit; MEM_TOP_DOWN asks for "
     "the highest instead (a way to find code that keeps pointers in 32 bits).",
     show_top_down},
    {"Commit a few pages inside it",
     "MEM_COMMIT inside a reservation charges the commit limit and promises zero-filled pages, "
     "but puts nothing in RAM yet: a committed page joins the working set (RAM the process is "
     "using) only when it is first touched. QueryWorkingSetEx shows it page by page.",
     show_commit_and_touch},
    {"Reservations round to the granularity",
     "A reservation covers whole pages and starts at a multiple of the allocation granularity: "
     "a 1-byte reservation gets one page, and the rest of its granularity unit is address "
     "space nobody can reserve.",
     show_reservation_rounding},
    {"Commits round out to pages",
     "A commit covers every page its range touches: 2 bytes across a page boundary commit two "
     "pages, and VirtualAlloc returns the start of the first.",
     show_commit_rounding},
    {"Mistakes and their error codes",
     "Each rule of VirtualAlloc and VirtualFree has its error: MEM_RELEASE takes the "
     "reservation's base and a size of 0, and a commit needs a reservation to commit into.",
     show_mistakes},
    {"The access that faults",
     "Touching a page that is reserved but not committed is not an error code but an access "
     "violation. Here a vectored exception handler catches it, records the address and the "
     "kind of access, commits the page, and lets the instruction run again.",
     show_faulting_access},
    {"Decommit against release",
     "MEM_DECOMMIT gives the storage back but keeps the addresses reserved: committing them "
     "again gives fresh zero pages, the old contents are gone. MEM_RELEASE gives the addresses "
     "back too: the whole reservation, from its base, with size 0.",
     show_decommit_and_release},
    {"Commit on demand",
     "A sparse sheet of 1024 x 1024 cells of 1 KiB is 1 GiB of address space. Reserve it all, "
     "commit nothing, and let a vectored exception handler commit each page the first time it "
     "is touched. Writing a few scattered cells commits only the pages they are on.",
     show_commit_on_demand},
    {"MEM_RESET and MEM_RESET_UNDO",
     "MEM_RESET says: the contents of these committed pages no longer matter. The system may "
     "then drop them instead of writing them to the page file. It does not promise that they "
     "are zero, nor that they are kept; the pages stay committed. MEM_RESET_UNDO (Windows 8 "
     "and later) asks for them back: success means every byte is intact; failure means some "
     "were zeroed.",
     show_reset},
    {"Write watch",
     "A reservation made with MEM_WRITE_WATCH has the system note every page written. "
     "GetWriteWatch lists them, in address order; reads are not listed. WRITE_WATCH_FLAG_RESET "
     "starts the record over. Garbage collectors use it to find the pages a program changed.",
     show_write_watch},
    {"An arena allocator",
     "An arena (src/arena.c) reserves a large range once and commits it a chunk at a time as "
     "allocations reach the committed end. Each allocation bumps one pointer: no header, no "
     "free list, no system call. A reset decommits every chunk at once; release gives the "
     "whole range back.",
     show_arena},
    {"A quick timing",
     "200,000 blocks of 32 bytes from an arena, and from HeapAlloc on a private heap. One run, "
     "not a benchmark: values only (docs/benchmarks.md measures properly).",
     show_timing},
    {"A ring buffer mapped twice",
     "One section mapped at two adjacent addresses: byte i and byte i + size are the same byte, "
     "so a block that runs past the end is written and read with one memcpy. Placeholders "
     "(VirtualAlloc2, MapViewOfFile3) build it with no gap for another thread to slip into; "
     "without them (src/ring.c): reserve, release, map twice, and retry if someone took the "
     "range meanwhile.",
     show_ring},
    {"Large pages",
     "A large page (2 MiB on x64) is one TLB entry instead of 512. It is locked in RAM, so "
     "Windows gives it only to accounts with the \"Lock pages in memory\" right "
     "(SeLockMemoryPrivilege), granted by an administrator and enabled by the program with "
     "AdjustTokenPrivileges. An ordinary account is refused.",
     show_large_pages},
    {"AWE physical pages",
     "Address Windowing Extensions hand a program physical pages to map where it likes. They "
     "are locked in RAM too and need the same right.",
     show_awe},
};

static const wm_lesson_option_t options[] = {
    {L"--require-large-pages", WM_OPTION_FLAG, offsetof(lesson_state_t, require_large_pages), NULL,
     "exit 77 (unavailable) unless large pages can be allocated"},
};

/* --require-large-pages: 77 (ctest: skipped) when large pages cannot be had here, so a
 * harness can tell "unavailable" from "failed"; NULL when they can, or were not asked for. */
static const char *large_pages_missing(void *context)
{
    const lesson_state_t *state = (const lesson_state_t *)context;
    SIZE_T minimum = 0;
    void *large = NULL;
    DWORD error = ERROR_SUCCESS;

    if (!state->require_large_pages) {
        return NULL;
    }
    minimum = GetLargePageMinimum(); /* 0: no large-page support */
    if (minimum == 0) {
        return "large pages: no large-page support";
    }
    error = wm_large_page_enable_privilege();
    if (error != ERROR_SUCCESS) {
        return "large pages: grant \"Lock pages in memory\" and sign in again";
    }
    error = wm_large_page_allocate(minimum, &large);
    if (error == ERROR_NO_SYSTEM_RESOURCES) {
        /* 1450: physical memory too fragmented (Large-Page Support, Microsoft Learn). */
        return "large pages: no contiguous physical memory; try again after a restart";
    }
    if (error != ERROR_SUCCESS) {
        return "large pages: the allocation was refused";
    }
    error = wm_vm_release(large);
    return error == ERROR_SUCCESS ? NULL : "large pages: the test page could not be released";
}

static const wm_lesson_spec_t lesson = {
    LESSON_NAME,
    LESSON_TITLE,
    steps,
    sizeof steps / sizeof steps[0],
    options,
    sizeof options / sizeof options[0],
    NULL,
    0,
    sizeof(lesson_state_t),
    set_defaults,
    NULL,
    large_pages_missing,
};

int wmain(int argc, wchar_t **argv)
{
    return wm_lesson_main(&lesson, argc, argv);
}
