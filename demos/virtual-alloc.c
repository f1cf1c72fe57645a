/*
 * virtual-alloc.c - lesson 3: allocating virtual memory directly with VirtualAlloc.
 *
 * "For more control over memory regions, applications can directly manipulate virtual
 * memory. Use VirtualAlloc when you need to specify detailed memory characteristics like
 * protection levels or when managing large, contiguous blocks." (Seed document.)
 *
 * What you will see when you run it:
 *   1. Reserve 1 GiB: address space only; nothing committed; where it starts.
 *   2. Commit a few pages inside it: committed, but in RAM only once touched.
 *   3. Rounding: a 1-byte reservation takes a whole granularity unit; a 2-byte commit
 *      across a page boundary commits two pages.
 *   4. Mistakes and their errors, and an access violation caught and fixed.
 *   5. Decommit against release.
 *   6. Commit on demand: a sparse 1 GiB sheet that commits only the pages written.
 *   7. MEM_RESET and MEM_RESET_UNDO: what they promise and what they do not.
 *   8. Write watch: the system lists exactly the pages written.
 *   9. An arena allocator: reserve once, commit in chunks, bump-allocate.
 *  10. A ring buffer mapped twice back to back: wrap-around without copying.
 *  11. Large pages and AWE: what they need (the "Lock pages in memory" right).
 *
 * Run:  virtual-alloc [--json] [--pause] [--require-large-pages]
 * Docs: docs/virtual-alloc.md
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>
#include <windows.h>

#include "winmem.h"
#include "wm_args.h"
#include "wm_console.h"
#include "wm_lesson.h"

#define DEMO_NAME "virtual-alloc"
#define DEMO_TITLE                                                                                 \
    "VirtualAlloc gives direct control of address space: reserve it, commit pages as needed, "     \
    "choose their protection, and give them back."

#define STEP_COUNT 11

/* Step 1 reserves this much; step 6's sheet is the same size. */
#define GIGABYTE (1024ull * 1024u * 1024u)

/* Step 2 commits this many pages, starting this many pages into the reservation, and
 * touches the first TOUCHED_PAGES of them. */
#define COMMITTED_PAGES 4
#define COMMIT_OFFSET_PAGES 16
#define TOUCHED_PAGES 2

/* A commit-charge change smaller than this is noise from the calls themselves. */
#define NOISE_BYTES (1024u * 1024u)

/* Step 6: the sheet is SHEET_ROWS x SHEET_COLUMNS cells of CELL_BYTES. */
#define SHEET_ROWS 1024u
#define SHEET_COLUMNS 1024u
#define CELL_BYTES 1024u

/* Step 8: a region of WATCH_PAGES pages, written at three of them. */
#define WATCH_PAGES 16

/* Step 9: the arena, the small blocks it hands out, and the quick timing. */
#define ARENA_RESERVE (256u * 1024u * 1024u)
#define ARENA_CHUNK (64u * 1024u)
#define ARENA_BLOCKS 10000u
#define TIMING_BLOCKS 200000u
#define TIMING_BLOCK_BYTES 32u

/* Step 10: the ring's size, and how far before its end the wrapping write starts. */
#define RING_BYTES (64u * 1024u)
#define RING_MESSAGE_BYTES 10000u
#define RING_LEAD_BYTES 4000u

/* Step 7 and 10's fill pattern: a byte that depends on its position. */
#define PATTERN_BYTE(index) ((unsigned char)(((index)*131u + 7u) & 0xFFu))

/* What the command line asked for. */
typedef struct demo_config_s
{
    int require_large_pages; /* --require-large-pages: exit 77 when there are none */
} demo_config_t;

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

/* ------------------------------------------------------------------------------------ */
/* Step 1. Reserve 1 GiB.                                                               */
/* ------------------------------------------------------------------------------------ */

/* Returns the reservation for step 2, which releases it; NULL if it failed. */
static void *show_reserve(wm_lesson_t *lesson, const wm_system_t *system)
{
    wm_process_counters_t before;
    wm_process_counters_t after;
    wm_vm_usage_t usage;
    void *base = NULL;
    void *low = NULL;
    void *high = NULL;
    DWORD error = ERROR_SUCCESS;
    int64_t commit_growth = 0;

    wm_step(lesson, "Reserve 1 GiB",
            "VirtualAlloc with MEM_RESERVE marks a range of addresses as taken and nothing "
            "else: no RAM, no page file, no commit charge. The range starts at a multiple of "
            "the allocation granularity. VirtualQuery, asked page by page, finds it reserved "
            "and not committed. MEM_TOP_DOWN asks for the highest free addresses instead of "
            "the lowest.");

    error = wm_process_counters(GetCurrentProcess(), &before);
    wm_claim_success(lesson, "GetProcessMemoryInfo (before)", error);
    error = wm_vm_reserve(NULL, GIGABYTE, &base);
    wm_claim_success(lesson, "VirtualAlloc(MEM_RESERVE, 1 GiB)", error);
    if (error != ERROR_SUCCESS) {
        return NULL;
    }
    error = wm_process_counters(GetCurrentProcess(), &after);
    wm_claim_success(lesson, "GetProcessMemoryInfo (after)", error);
    error = wm_vm_query_range(base, GIGABYTE, &usage);
    wm_claim_success(lesson, "VirtualQuery over the range", error);
    commit_growth = (int64_t)after.private_bytes - (int64_t)before.private_bytes;

    wm_value_address(lesson, "reservation base", (uintptr_t)base);
    wm_value_bytes(lesson, "reserved (VirtualQuery)", usage.reserved);
    wm_value_bytes(lesson, "committed (VirtualQuery)", usage.committed);
    wm_value_signed(lesson, "commit charge change", commit_growth, "bytes");

    wm_claim(lesson, NULL, "The base is a multiple of the allocation granularity.",
             (uintptr_t)base % system->allocation_granularity == 0);
    wm_claim(lesson, NULL, "VirtualQuery finds the whole 1 GiB reserved and nothing committed.",
             usage.reserved == GIGABYTE && usage.committed == 0);
    /* VirtualAlloc (Microsoft Learn): MEM_RESERVE reserves "without allocating any actual
     * physical storage in memory or in the paging file"; PrivateUsage is the commit charge
     * ("PROCESS_MEMORY_COUNTERS_EX"). A running process always has some commit charge (its
     * stack, its heap): 0 before and after (wm_process_counters zeroes the structure first)
     * means the field was never written. */
    wm_claim_or_deviation(lesson, NULL, "Reserving adds nothing to the commit charge.",
                          before.private_bytes > 0 && commit_growth < (int64_t)NOISE_BYTES,
                          before.private_bytes == 0 && after.private_bytes == 0,
                          &PRIVATE_USAGE_UNFILLED);

    /* MEM_TOP_DOWN: one more reservation from each end, to compare. */
    error = wm_vm_reserve(NULL, system->page_size, &low);
    wm_claim_success(lesson, "VirtualAlloc(MEM_RESERVE)", error);
    error = wm_vm_reserve_ex(NULL, system->page_size, WM_VM_TOP_DOWN, &high);
    wm_claim_success(lesson, "VirtualAlloc(MEM_RESERVE | MEM_TOP_DOWN)", error);
    wm_value_address(lesson, "a plain reservation", (uintptr_t)low);
    wm_value_address(lesson, "a MEM_TOP_DOWN reservation", (uintptr_t)high);
    wm_claim(lesson, NULL, "MEM_TOP_DOWN places the reservation above the plain one.",
             high != NULL && low != NULL && (uintptr_t)high > (uintptr_t)low);
    if (high != NULL) {
        error = wm_vm_release(high);
        wm_claim_success(lesson, "VirtualFree(MEM_RELEASE) of the top-down reservation", error);
    }
    if (low != NULL) {
        error = wm_vm_release(low);
        wm_claim_success(lesson, "VirtualFree(MEM_RELEASE) of the plain reservation", error);
    }
    return base;
}

/* ------------------------------------------------------------------------------------ */
/* Step 2. Commit a few pages.                                                          */
/* ------------------------------------------------------------------------------------ */

static void show_commit_and_touch(wm_lesson_t *lesson, const wm_system_t *system, void *base)
{
    wm_vm_usage_t usage;
    volatile unsigned char *pages = NULL;
    SIZE_T commit_bytes = (SIZE_T)COMMITTED_PAGES * system->page_size;
    SIZE_T resident_before = 0;
    SIZE_T resident_after = 0;
    DWORD error = ERROR_SUCCESS;
    int i = 0;

    wm_step(lesson, "Commit a few pages inside it",
            "MEM_COMMIT inside a reservation charges the commit limit and promises "
            "zero-filled pages, but puts nothing in RAM yet: a committed page joins the "
            "working set (RAM the process is using) only when it is first touched. "
            "QueryWorkingSetEx shows it page by page.");

    if (base == NULL) {
        wm_claim(lesson, NULL, "Step 1's reservation exists.", 0);
        return;
    }
    pages = (volatile unsigned char *)base + (SIZE_T)COMMIT_OFFSET_PAGES * system->page_size;
    error = wm_vm_commit((void *)pages, commit_bytes, PAGE_READWRITE);
    wm_claim_success(lesson, "VirtualAlloc(MEM_COMMIT) of 4 pages", error);
    error = wm_vm_query_range(base, GIGABYTE, &usage);
    wm_claim_success(lesson, "VirtualQuery over the range", error);
    error = wm_vm_resident_pages((const void *)pages, commit_bytes, &resident_before);
    wm_claim_success(lesson, "QueryWorkingSetEx (before touching)", error);
    for (i = 0; i < TOUCHED_PAGES; i++) {
        pages[(SIZE_T)i * system->page_size] = 1; /* the first write maps a zero page in */
    }
    error = wm_vm_resident_pages((const void *)pages, commit_bytes, &resident_after);
    wm_claim_success(lesson, "QueryWorkingSetEx (after touching)", error);

    wm_value_address(lesson, "committed pages start at", (uintptr_t)pages);
    wm_value_bytes(lesson, "committed (VirtualQuery)", usage.committed);
    wm_value_bytes(lesson, "still only reserved", usage.reserved);
    wm_value_count(lesson, "pages in RAM before touching", resident_before, "pages");
    wm_value_count(lesson, "pages touched", TOUCHED_PAGES, "pages");
    wm_value_count(lesson, "pages in RAM after touching", resident_after, "pages");

    wm_claim(lesson, NULL, "VirtualQuery finds exactly the 4 committed pages committed.",
             usage.committed == commit_bytes && usage.reserved == GIGABYTE - commit_bytes);
    wm_claim(lesson, NULL, "Committed but untouched pages are not in RAM.", resident_before == 0);
    wm_claim(lesson, NULL, "Touching pages brings exactly those into RAM.",
             resident_after == TOUCHED_PAGES);

    error = wm_vm_release(base);
    wm_claim_success(lesson, "VirtualFree(MEM_RELEASE) of the 1 GiB", error);
}

/* ------------------------------------------------------------------------------------ */
/* Step 3. Rounding.                                                                    */
/* ------------------------------------------------------------------------------------ */

static void show_rounding(wm_lesson_t *lesson, const wm_system_t *system)
{
    wm_region_t region;
    wm_vm_usage_t usage;
    unsigned char *tiny = NULL;
    unsigned char *four_pages = NULL;
    void *base = NULL;
    void *neighbour = NULL;
    DWORD error = ERROR_SUCCESS;
    DWORD neighbour_error = ERROR_SUCCESS;
    SIZE_T two_bytes = 2;

    memset(&region, 0, sizeof region); /* state 0, matching no claim, if a query fails */
    wm_step(lesson, "Rounding: pages and granularity",
            "A reservation starts at a multiple of the allocation granularity and covers "
            "whole pages: a 1-byte reservation gets one page, and the rest of its "
            "granularity unit is address space nobody can reserve. A commit covers every "
            "page the range touches: 2 bytes across a page boundary commit two pages.");

    error = wm_vm_reserve(NULL, 1, &base);
    wm_claim_success(lesson, "VirtualAlloc(MEM_RESERVE, 1 byte)", error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    tiny = (unsigned char *)base;
    error = wm_space_query(GetCurrentProcess(), (uintptr_t)tiny, &region);
    wm_claim_success(lesson, "VirtualQuery on it", error);
    wm_value_count(lesson, "asked for", 1, "byte");
    wm_value_bytes(lesson, "region VirtualQuery reports", region.size);
    wm_claim(lesson, NULL, "A 1-byte reservation is one whole page.",
             region.size == system->page_size);

    /* The next page is free, but a reservation there rounds down onto ours. */
    error = wm_space_query(GetCurrentProcess(), (uintptr_t)(tiny + system->page_size), &region);
    wm_claim_success(lesson, "VirtualQuery on the next page", error);
    neighbour_error = wm_vm_reserve(tiny + system->page_size, 1, &neighbour);
    wm_value_text(lesson, "state of the next page", wm_state_name(region.state));
    value_error(lesson, "reserving it fails with", neighbour_error);
    wm_claim(lesson, NULL, "The page after it is MEM_FREE...", region.state == MEM_FREE);
    wm_claim(lesson, NULL,
             "...yet cannot be reserved: its address rounds down to the granularity unit "
             "already taken.",
             neighbour_error != ERROR_SUCCESS && neighbour == NULL);
    if (neighbour != NULL) {
        (void)wm_vm_release(neighbour);
    }
    error = wm_vm_release(tiny);
    wm_claim_success(lesson, "VirtualFree(MEM_RELEASE)", error);

    error = wm_vm_reserve(NULL, 4 * (SIZE_T)system->page_size, &base);
    wm_claim_success(lesson, "VirtualAlloc(MEM_RESERVE, 4 pages)", error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    four_pages = (unsigned char *)base;
    /* The last byte of page 0 and the first byte of page 1. */
    error = wm_vm_commit(four_pages + system->page_size - 1, two_bytes, PAGE_READWRITE);
    wm_claim_success(lesson, "VirtualAlloc(MEM_COMMIT, 2 bytes across a page boundary)", error);
    error = wm_vm_query_range(four_pages, 4 * (SIZE_T)system->page_size, &usage);
    wm_claim_success(lesson, "VirtualQuery over the 4 pages", error);
    wm_value_bytes(lesson, "committed for 2 bytes", usage.committed);
    wm_claim(lesson, NULL, "2 bytes across a page boundary commit 2 pages.",
             usage.committed == 2 * (SIZE_T)system->page_size);
    error = wm_vm_release(four_pages);
    wm_claim_success(lesson, "VirtualFree(MEM_RELEASE)", error);
}

/* ------------------------------------------------------------------------------------ */
/* Step 4. Mistakes and their errors.                                                   */
/* ------------------------------------------------------------------------------------ */

static void show_mistakes(wm_lesson_t *lesson, const wm_system_t *system)
{
    wm_commit_on_demand_region_t guarded;
    wm_commit_on_demand_stats_t stats;
    wm_region_t region;
    unsigned char *reserved = NULL;
    volatile unsigned char *read_target = NULL;
    volatile unsigned char *write_target = NULL;
    void *base = NULL;
    DWORD error = ERROR_SUCCESS;
    DWORD last_error = ERROR_SUCCESS;
    BOOL released = FALSE;
    unsigned char read_value = 0xFF;
    uintptr_t read_address = 0;
    ULONG_PTR read_access = 0;
    const unsigned char written_value = 0x5A;

    memset(&region, 0, sizeof region); /* state 0, matching no claim, if a query fails */
    wm_step(lesson, "Mistakes and their errors",
            "Each rule of VirtualAlloc and VirtualFree has its error code. Touching a page "
            "that is reserved but not committed is not an error code but an access "
            "violation: here a vectored exception handler catches it, records the address and "
            "the kind of access, commits the page, and lets the instruction run again.");

    /* Committing where nothing is reserved: reserve and release to find a free address. */
    error = wm_vm_reserve(NULL, system->page_size, &base);
    wm_claim_success(lesson, "VirtualAlloc(MEM_RESERVE)", error);
    if (error == ERROR_SUCCESS) {
        error = wm_vm_release(base);
        wm_claim_success(lesson, "VirtualFree(MEM_RELEASE)", error);
        error = wm_vm_commit(base, system->page_size, PAGE_READWRITE);
        value_error(lesson, "commit outside a reservation", error);
        wm_claim(lesson, NULL,
                 "Committing outside any reservation fails with ERROR_INVALID_ADDRESS.",
                 error == ERROR_INVALID_ADDRESS);
    }

    error = wm_vm_reserve(NULL, 2 * (SIZE_T)system->page_size, &base);
    wm_claim_success(lesson, "VirtualAlloc(MEM_RESERVE, 2 pages)", error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    reserved = (unsigned char *)base;
    /* The real API on purpose: the library never passes a size with MEM_RELEASE. */
    released = VirtualFree(reserved, system->page_size, /* wrong: must be 0 */
                           MEM_RELEASE);
    last_error = GetLastError();
    value_error(lesson, "release with a non-zero size", last_error);
    wm_claim(lesson, NULL, "Releasing with a non-zero size fails with ERROR_INVALID_PARAMETER.",
             !released && last_error == ERROR_INVALID_PARAMETER);
    error = wm_vm_release(reserved + system->page_size);
    value_error(lesson, "release from an interior address", error);
    (void)wm_space_query(GetCurrentProcess(), (uintptr_t)reserved, &region);
    wm_claim(lesson, NULL,
             "Releasing from an address inside the reservation fails and frees nothing.",
             error != ERROR_SUCCESS && region.state == MEM_RESERVE);
    error = wm_vm_release(reserved);
    wm_claim_success(lesson, "VirtualFree(base, 0, MEM_RELEASE)", error);

    /* Touching reserved pages, with the handler of wm_commit_on_demand.h watching. */
    error = wm_commit_on_demand_create(2 * (SIZE_T)system->page_size, 0, &guarded);
    wm_claim_success(lesson, "Reserving 2 pages watched by a vectored exception handler", error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    read_target = (volatile unsigned char *)guarded.base + 100;
    write_target = (volatile unsigned char *)guarded.base + system->page_size + 200;
    read_value = *read_target; /* access violation (read): fixed, then reads 0 */
    error = wm_commit_on_demand_stats(&guarded, &stats);
    if (error == ERROR_SUCCESS) {
        read_address = stats.last_fault_address;
        read_access = stats.last_fault_access;
    }
    *write_target = written_value; /* access violation (write): fixed, then writes */
    if (error == ERROR_SUCCESS) {
        error = wm_commit_on_demand_stats(&guarded, &stats);
    }
    wm_claim_success(lesson, "Reading the handler's record", error);

    wm_value_address(lesson, "read a reserved byte at", (uintptr_t)read_target);
    wm_value_address(lesson, "  fault address recorded", read_address);
    wm_value_count(lesson, "  access type (0 read, 1 write)", read_access, NULL);
    wm_value_address(lesson, "wrote a reserved byte at", (uintptr_t)write_target);
    wm_value_address(lesson, "  fault address recorded", stats.last_fault_address);
    wm_value_count(lesson, "  access type (0 read, 1 write)", stats.last_fault_access, NULL);
    wm_value_count(lesson, "access violations handled", stats.faults, NULL);

    /* EXCEPTION_RECORD (Microsoft Learn), EXCEPTION_ACCESS_VIOLATION: ExceptionInformation[0]
     * is 0 for a read and 1 for a write, [1] the address; VirtualAlloc: committed memory is
     * "automatically initialized to zero". */
    wm_claim(
        lesson, NULL, "Reading a reserved page raised an access violation at that address (read).",
        read_address == (uintptr_t)read_target && read_access == WM_COMMIT_ON_DEMAND_ACCESS_READ);
    wm_claim(lesson, NULL,
             "Writing a reserved page raised an access violation at that address (write).",
             stats.last_fault_address == (uintptr_t)write_target &&
                 stats.last_fault_access == WM_COMMIT_ON_DEMAND_ACCESS_WRITE);
    wm_claim(lesson, NULL,
             "After the handler committed the pages, the read gave 0 and the write stuck.",
             stats.faults == 2 && read_value == 0 && *write_target == written_value);
    error = wm_commit_on_demand_destroy(&guarded);
    wm_claim_success(lesson, "Removing the handler and releasing the pages", error);
}

/* ------------------------------------------------------------------------------------ */
/* Step 5. Decommit against release.                                                    */
/* ------------------------------------------------------------------------------------ */

static void show_decommit_and_release(wm_lesson_t *lesson, const wm_system_t *system)
{
    wm_region_t region;
    volatile unsigned char *bytes = NULL;
    void *base = NULL;
    SIZE_T size = 2 * (SIZE_T)system->page_size;
    DWORD error = ERROR_SUCCESS;
    DWORD state_after_decommit = 0;
    unsigned char after_recommit = 0xFF;

    memset(&region, 0, sizeof region); /* state 0, matching no claim, if a query fails */
    wm_step(lesson, "Decommit against release",
            "MEM_DECOMMIT gives the storage back but keeps the addresses reserved: committing "
            "them again gives fresh zero pages, the old contents are gone. MEM_RELEASE gives "
            "the addresses back too: the whole reservation, from its base, with size 0.");

    error = wm_vm_allocate(NULL, size, PAGE_READWRITE, &base);
    wm_claim_success(lesson, "VirtualAlloc(MEM_RESERVE | MEM_COMMIT, 2 pages)", error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    bytes = (volatile unsigned char *)base;
    bytes[0] = 0xAB;
    bytes[size - 1] = 0xCD;
    error = wm_vm_decommit(base, size);
    wm_claim_success(lesson, "VirtualFree(MEM_DECOMMIT)", error);
    (void)wm_space_query(GetCurrentProcess(), (uintptr_t)base, &region);
    state_after_decommit = region.state;
    error = wm_vm_commit(base, size, PAGE_READWRITE);
    wm_claim_success(lesson, "VirtualAlloc(MEM_COMMIT) again", error);
    if (error == ERROR_SUCCESS) {
        after_recommit = (unsigned char)(bytes[0] | bytes[size - 1]);
    }
    error = wm_vm_release(base);
    wm_claim_success(lesson, "VirtualFree(MEM_RELEASE)", error);
    (void)wm_space_query(GetCurrentProcess(), (uintptr_t)base, &region);

    wm_value_text(lesson, "state after decommit", wm_state_name(state_after_decommit));
    wm_value_hex(lesson, "bytes written before", 0xABCD, "0xAB first, 0xCD last");
    wm_value_hex(lesson, "read after recommit", after_recommit, "first | last");
    wm_value_text(lesson, "state after release", wm_state_name(region.state));

    wm_claim(lesson, NULL, "After decommit the pages are reserved, not free.",
             state_after_decommit == MEM_RESERVE);
    wm_claim(lesson, NULL, "After decommit and recommit the contents are zero.",
             after_recommit == 0);
    wm_claim(lesson, NULL, "After release the address space is free.", region.state == MEM_FREE);
}

/* ------------------------------------------------------------------------------------ */
/* Step 6. Commit on demand.                                                            */
/* ------------------------------------------------------------------------------------ */

/* Counts the distinct values among the first count entries of values. */
static SIZE_T count_distinct(const SIZE_T *values, SIZE_T count)
{
    SIZE_T distinct = 0;
    SIZE_T i = 0;
    SIZE_T j = 0;
    int seen = 0;

    for (i = 0; i < count; i++) {
        seen = 0;
        for (j = 0; j < i; j++) {
            if (values[j] == values[i]) {
                seen = 1;
            }
        }
        if (!seen) {
            distinct++;
        }
    }
    return distinct;
}

static void show_commit_on_demand(wm_lesson_t *lesson, const wm_system_t *system)
{
    /* Scattered cells (row, column); the first two share a page (4 cells per page). */
    static const unsigned cells[][2] = {
        {0, 0}, {0, 1}, {1, 500}, {17, 17}, {300, 1023}, {512, 512}, {800, 3}, {1023, 1023},
    };
    const SIZE_T cell_count = sizeof cells / sizeof cells[0];
    SIZE_T pages_of_cells[sizeof cells / sizeof cells[0]];
    wm_commit_on_demand_region_t sheet;
    wm_commit_on_demand_stats_t stats;
    wm_vm_usage_t usage;
    volatile unsigned char *cell = NULL;
    SIZE_T sheet_bytes = (SIZE_T)SHEET_ROWS * SHEET_COLUMNS * CELL_BYTES;
    SIZE_T offset = 0;
    SIZE_T distinct_pages = 0;
    SIZE_T live_regions = 0;
    SIZE_T i = 0;
    DWORD error = ERROR_SUCCESS;
    int readable = 1;

    wm_step(lesson, "Commit on demand",
            "A sparse sheet of 1024 x 1024 cells of 1 KiB is 1 GiB of address space. Reserve "
            "it all, commit nothing, and let a vectored exception handler commit each page the "
            "first time it is touched. Writing a few scattered cells commits only the pages "
            "they are on.");

    error = wm_commit_on_demand_create(sheet_bytes, 0, &sheet);
    wm_claim_success(lesson, "Reserving the sheet and adding the handler", error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    for (i = 0; i < cell_count; i++) {
        offset = ((SIZE_T)cells[i][0] * SHEET_COLUMNS + cells[i][1]) * CELL_BYTES;
        cell = (volatile unsigned char *)sheet.base + offset;
        cell[0] = (unsigned char)(i + 1); /* the first write to a page faults once */
        pages_of_cells[i] = offset / system->page_size;
    }
    for (i = 0; i < cell_count; i++) {
        offset = ((SIZE_T)cells[i][0] * SHEET_COLUMNS + cells[i][1]) * CELL_BYTES;
        cell = (volatile unsigned char *)sheet.base + offset;
        if (cell[0] != (unsigned char)(i + 1)) {
            readable = 0;
        }
    }
    distinct_pages = count_distinct(pages_of_cells, cell_count);
    error = wm_commit_on_demand_stats(&sheet, &stats);
    wm_claim_success(lesson, "Reading the handler's counters", error);
    error = wm_vm_query_range(sheet.base, sheet.size, &usage);
    wm_claim_success(lesson, "VirtualQuery over the sheet", error);

    wm_value_bytes(lesson, "sheet reserved", sheet.size);
    wm_value_count(lesson, "cells written", cell_count, NULL);
    wm_value_count(lesson, "distinct pages they are on", distinct_pages, "pages");
    wm_value_count(lesson, "faults handled (pages committed)", stats.faults, NULL);
    wm_value_bytes(lesson, "committed (VirtualQuery)", usage.committed);

    wm_claim(lesson, NULL, "Every cell reads back what was written to it.", readable);
    wm_claim(lesson, NULL, "The handler committed each touched page once: one fault per page.",
             stats.faults == distinct_pages);
    wm_claim(lesson, NULL, "Only the touched pages are committed.",
             usage.committed == distinct_pages * system->page_size &&
                 stats.committed == usage.committed);

    error = wm_commit_on_demand_destroy(&sheet);
    wm_claim_success(lesson, "Removing the handler and releasing the sheet", error);
    live_regions = wm_commit_on_demand_live_regions();
    wm_claim(lesson, NULL, "With the last region gone, the handler is removed.", live_regions == 0);
}

/* ------------------------------------------------------------------------------------ */
/* Step 7. MEM_RESET and MEM_RESET_UNDO.                                                */
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

static void show_reset(wm_lesson_t *lesson, const wm_system_t *system)
{
    wm_region_t region;
    volatile unsigned char *bytes = NULL;
    void *base = NULL;
    SIZE_T size = 4 * (SIZE_T)system->page_size;
    SIZE_T i = 0;
    DWORD error = ERROR_SUCCESS;
    DWORD undo_error = ERROR_SUCCESS;
    int intact_after_reset = 0;
    int intact_after_undo = 0;

    memset(&region, 0, sizeof region); /* state 0, matching no claim, if a query fails */
    wm_step(lesson, "MEM_RESET and MEM_RESET_UNDO",
            "MEM_RESET says: the contents of these committed pages no longer matter. The "
            "system may then drop them instead of writing them to the page file, whenever it "
            "needs the RAM. What it does not promise: that they are zero, or that they are "
            "kept. The pages stay committed. MEM_RESET_UNDO (Windows 8 and later) asks for "
            "them back: success means every byte is intact; failure means some were zeroed.");

    error = wm_vm_allocate(NULL, size, PAGE_READWRITE, &base);
    wm_claim_success(lesson, "VirtualAlloc(MEM_RESERVE | MEM_COMMIT, 4 pages)", error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    bytes = (volatile unsigned char *)base;
    for (i = 0; i < size; i++) {
        bytes[i] = PATTERN_BYTE(i);
    }
    error = wm_vm_reset(base, size);
    wm_claim_success(lesson, "VirtualAlloc(MEM_RESET)", error);
    intact_after_reset = holds_pattern(bytes, size);
    (void)wm_space_query(GetCurrentProcess(), (uintptr_t)base, &region);
    undo_error = wm_vm_reset_undo(base, size);
    intact_after_undo = holds_pattern(bytes, size);

    wm_value_text(lesson, "state after MEM_RESET", wm_state_name(region.state));
    wm_value_text(lesson, "data intact right after MEM_RESET", intact_after_reset ? "yes" : "no");
    value_error(lesson, "MEM_RESET_UNDO result", undo_error);
    wm_value_text(lesson, "data intact after MEM_RESET_UNDO", intact_after_undo ? "yes" : "no");

    /* Wine's dlls/kernel32/tests/virtual.c, test_VirtualAlloc: after MEM_RESET the page is
     * still MEM_COMMIT and PAGE_READWRITE (plain ok()). */
    wm_claim(lesson, NULL, "After MEM_RESET the pages are still committed read-write.",
             region.state == MEM_COMMIT && (region.protect & 0xFFu) == PAGE_READWRITE);
    /* Whether the data is still there right after MEM_RESET is not promised: VirtualAlloc
     * (Microsoft Learn) says the pages may be discarded, and test_VirtualAlloc accepts the
     * old value or zero. So "data intact right after MEM_RESET" above is a value. */
    /* VirtualAlloc (Microsoft Learn), MEM_RESET_UNDO: "If the function succeeds, that means
     * all data in the specified address range is intact. If the function fails, at least
     * some of the data in the address range has been replaced with zeroes." The error code
     * of a failure is not documented: it is the value above. */
    wm_claim(lesson, NULL,
             "MEM_RESET_UNDO keeps its promise: success with every byte intact, or failure "
             "with some bytes zeroed.",
             (undo_error == ERROR_SUCCESS && intact_after_undo) ||
                 (undo_error != ERROR_SUCCESS && !intact_after_undo));
    error = wm_vm_release(base);
    wm_claim_success(lesson, "VirtualFree(MEM_RELEASE)", error);
}

/* ------------------------------------------------------------------------------------ */
/* Step 8. Write watch.                                                                 */
/* ------------------------------------------------------------------------------------ */

static void show_write_watch(wm_lesson_t *lesson, const wm_system_t *system)
{
    static const SIZE_T written_pages[] = {1, 6, 11};
    const SIZE_T written_count = sizeof written_pages / sizeof written_pages[0];
    void *reported[WATCH_PAGES];
    volatile unsigned char *pages = NULL;
    void *base = NULL;
    SIZE_T size = (SIZE_T)WATCH_PAGES * system->page_size;
    SIZE_T count = 0;
    SIZE_T count_after_reset = 0;
    SIZE_T i = 0;
    DWORD error = ERROR_SUCCESS;
    unsigned char sink = 0;
    int exact = 1;

    wm_step(lesson, "Write watch",
            "A reservation made with MEM_WRITE_WATCH has the system note every page written. "
            "GetWriteWatch lists them, in address order; reads are not writes and are not "
            "listed. WRITE_WATCH_FLAG_RESET (or ResetWriteWatch) starts the record over. "
            "Garbage collectors use it to find the pages a program changed.");

    error = wm_vm_reserve_ex(NULL, size, WM_VM_WRITE_WATCH, &base);
    wm_claim_success(lesson, "VirtualAlloc(MEM_RESERVE | MEM_WRITE_WATCH, 16 pages)", error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    error = wm_vm_commit(base, size, PAGE_READWRITE);
    wm_claim_success(lesson, "VirtualAlloc(MEM_COMMIT)", error);
    pages = (volatile unsigned char *)base;
    if (error == ERROR_SUCCESS) {
        sink = pages[3 * (SIZE_T)system->page_size]; /* a read: not reported */
        for (i = 0; i < written_count; i++) {
            pages[written_pages[i] * system->page_size + 8] = 0x11;
        }
    }
    error = wm_vm_write_watch(base, size, 1, reported, WATCH_PAGES, &count);
    wm_claim_success(lesson, "GetWriteWatch(WRITE_WATCH_FLAG_RESET)", error);
    for (i = 0; i < written_count; i++) {
        if (i >= count || reported[i] != (void *)(pages + written_pages[i] * system->page_size)) {
            exact = 0;
        }
    }
    error = wm_vm_write_watch(base, size, 0, reported, WATCH_PAGES, &count_after_reset);
    wm_claim_success(lesson, "GetWriteWatch again", error);

    wm_value_text(lesson, "pages written", "1, 6, 11 (and page 3 read)");
    wm_value_count(lesson, "pages GetWriteWatch listed", count, "pages");
    for (i = 0; i < count && i < WATCH_PAGES; i++) {
        wm_value_count(lesson, "  listed page number",
                       (uint64_t)(((uintptr_t)reported[i] - (uintptr_t)base) / system->page_size),
                       NULL);
    }
    wm_value_count(lesson, "listed after the reset", count_after_reset, "pages");
    wm_value_count(lesson, "the byte read from page 3", sink, NULL);

    /* Wine's dlls/kernel32/tests/virtual.c, test_write_watch (plain ok(), no todo_wine):
     * after writes to pages 2 and 4 the count is exactly 2 and the addresses are base + 2
     * pages and base + 4 pages, in that order; a fresh committed region lists 0. GetWriteWatch
     * (Microsoft Learn) lists "the pages that are written to": a read is not listed. */
    wm_claim(lesson, NULL,
             "GetWriteWatch lists exactly the pages written, in order; not the read one.",
             count == written_count && exact);
    /* test_write_watch: a call with WRITE_WATCH_FLAG_RESET, then a plain call: count 0. */
    wm_claim(lesson, NULL, "After WRITE_WATCH_FLAG_RESET it lists nothing.",
             count_after_reset == 0);
    error = wm_vm_release(base);
    wm_claim_success(lesson, "VirtualFree(MEM_RELEASE)", error);
}

/* ------------------------------------------------------------------------------------ */
/* Step 9. The arena.                                                                   */
/* ------------------------------------------------------------------------------------ */

/* Seconds between two QueryPerformanceCounter readings. */
static double seconds_between(LARGE_INTEGER start, LARGE_INTEGER end, LARGE_INTEGER frequency)
{
    return (double)(end.QuadPart - start.QuadPart) / (double)frequency.QuadPart;
}

/* The quick timing: TIMING_BLOCKS small blocks from a fresh arena and from a fresh heap. */
static void time_arena_against_heap(wm_lesson_t *lesson)
{
    LARGE_INTEGER frequency;
    LARGE_INTEGER start;
    LARGE_INTEGER end;
    wm_arena_t arena;
    HANDLE heap = NULL;
    void *block = NULL;
    double arena_seconds = 0.0;
    double heap_seconds = 0.0;
    DWORD error = ERROR_SUCCESS;
    unsigned i = 0;
    unsigned heap_failures = 0;
    char ratio[64];

    error = wm_arena_create((SIZE_T)TIMING_BLOCKS * TIMING_BLOCK_BYTES * 2, ARENA_CHUNK, &arena);
    wm_claim_success(lesson, "Creating the timing arena", error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    heap = HeapCreate(HEAP_NO_SERIALIZE, /* one thread: the arena takes no lock either */
                      0, 0);             /* growable, default initial size */
    if (heap == NULL) {
        wm_claim_success(lesson, "HeapCreate", GetLastError());
        (void)wm_arena_release(&arena);
        return;
    }
    (void)QueryPerformanceFrequency(&frequency); /* cannot fail on Windows XP and later */
    (void)QueryPerformanceCounter(&start);
    for (i = 0; i < TIMING_BLOCKS && error == ERROR_SUCCESS; i++) {
        error = wm_arena_alloc(&arena, TIMING_BLOCK_BYTES, sizeof(void *), &block);
    }
    (void)QueryPerformanceCounter(&end);
    arena_seconds = seconds_between(start, end, frequency);
    (void)QueryPerformanceCounter(&start);
    for (i = 0; i < TIMING_BLOCKS; i++) {
        block = HeapAlloc(heap, 0, TIMING_BLOCK_BYTES); /* no flags: not zeroed */
        if (block == NULL) {
            heap_failures++;
        }
    }
    (void)QueryPerformanceCounter(&end);
    heap_seconds = seconds_between(start, end, frequency);

    wm_claim_success(lesson, "Allocating 200,000 blocks from the arena", error);
    wm_claim(lesson, NULL, "All HeapAlloc calls succeeded.", heap_failures == 0);
    wm_value_count(lesson, "timed allocations of 32 bytes", TIMING_BLOCKS, "each");
    wm_value_count(lesson, "arena, total", (uint64_t)(arena_seconds * 1e6), "µs");
    wm_value_count(lesson, "HeapAlloc, total", (uint64_t)(heap_seconds * 1e6), "µs");
    snprintf(ratio, sizeof ratio, "%.1fx (quick timing, one run: not a benchmark)",
             arena_seconds > 0.0 ? heap_seconds / arena_seconds : 0.0);
    wm_value_text(lesson, "HeapAlloc time / arena time", ratio);

    if (!HeapDestroy(heap)) {
        wm_claim_success(lesson, "HeapDestroy", GetLastError());
    }
    error = wm_arena_release(&arena);
    wm_claim_success(lesson, "Releasing the timing arena", error);
}

static void show_arena(wm_lesson_t *lesson)
{
    static const SIZE_T alignments[] = {1, 8, 16, 64, 4096};
    const SIZE_T alignment_count = sizeof alignments / sizeof alignments[0];
    wm_arena_t arena;
    wm_vm_usage_t usage;
    wm_region_t region;
    void *block = NULL;
    uintptr_t base = 0;
    SIZE_T size = 0;
    SIZE_T alignment = 0;
    SIZE_T committed_at_1000 = 0;
    SIZE_T used = 0;
    SIZE_T committed = 0;
    SIZE_T committed_after_keep = 0;
    unsigned i = 0;
    unsigned misaligned = 0;
    DWORD error = ERROR_SUCCESS;

    memset(&region, 0, sizeof region); /* state 0, matching no claim, if a query fails */
    wm_step(lesson, "An arena allocator",
            "An arena reserves a large range once and commits it a chunk at a time as "
            "allocations reach the committed end. Each allocation bumps one pointer (rounded "
            "up to the alignment asked for): no header, no free list, no system call. Reset "
            "forgets every block at once, keeping the pages or decommitting them; release "
            "gives the whole range back.");

    error = wm_arena_create(ARENA_RESERVE, ARENA_CHUNK, &arena);
    wm_claim_success(lesson, "Reserving the arena (256 MiB, 64 KiB chunks)", error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    base = arena.base;
    for (i = 0; i < ARENA_BLOCKS && error == ERROR_SUCCESS; i++) {
        size = 16 + (SIZE_T)(i * 37u) % 200;
        alignment = alignments[i % alignment_count];
        error = wm_arena_alloc(&arena, size, alignment, &block);
        if (error == ERROR_SUCCESS && (uintptr_t)block % alignment != 0) {
            misaligned++;
        }
        if (i + 1 == 1000) {
            committed_at_1000 = wm_arena_committed(&arena);
        }
    }
    wm_claim_success(lesson, "Allocating 10,000 blocks of 16-215 bytes", error);
    used = wm_arena_used(&arena);
    committed = wm_arena_committed(&arena);
    error = wm_vm_query_range((void *)arena.base, ARENA_RESERVE, &usage);
    wm_claim_success(lesson, "VirtualQuery over the arena", error);

    wm_value_bytes(lesson, "reserved", ARENA_RESERVE);
    wm_value_bytes(lesson, "committed after 1,000 blocks", committed_at_1000);
    wm_value_bytes(lesson, "used after 10,000 blocks", used);
    wm_value_bytes(lesson, "committed after 10,000 blocks", committed);
    wm_value_count(lesson, "times it grew", arena.grows, NULL);
    wm_value_bytes(lesson, "committed (VirtualQuery)", usage.committed);

    wm_claim(lesson, NULL, "Every block has the alignment asked for (1 to 4096).", misaligned == 0);
    wm_claim(lesson, NULL, "The commit grows in whole chunks, as allocations need it.",
             committed % ARENA_CHUNK == 0 && committed_at_1000 < committed && committed >= used &&
                 committed - used < ARENA_CHUNK);
    wm_claim(lesson, NULL,
             "VirtualQuery agrees: exactly that much is committed, the rest reserved.",
             usage.committed == committed && usage.reserved == ARENA_RESERVE - committed);

    error = wm_arena_reset(&arena, 1);
    wm_claim_success(lesson, "Reset, keeping the pages", error);
    committed_after_keep = wm_arena_committed(&arena);
    error = wm_arena_alloc(&arena, 16, 16, &block);
    wm_claim_success(lesson, "Allocating after the reset", error);
    wm_claim(lesson, NULL, "After a reset the next block starts at the base; the commit stays.",
             (uintptr_t)block == arena.base && committed_after_keep == committed);
    error = wm_arena_reset(&arena, 0);
    wm_claim_success(lesson, "Reset, decommitting the pages", error);
    error = wm_vm_query_range((void *)arena.base, ARENA_RESERVE, &usage);
    wm_claim_success(lesson, "VirtualQuery over the arena", error);
    committed = wm_arena_committed(&arena);
    wm_claim(lesson, NULL,
             "After a decommitting reset nothing is committed; all is still reserved.",
             usage.committed == 0 && usage.reserved == ARENA_RESERVE && committed == 0);
    error = wm_arena_release(&arena);
    wm_claim_success(lesson, "Releasing the arena", error);
    (void)wm_space_query(GetCurrentProcess(), base, &region);
    wm_claim(lesson, NULL, "After release the arena's range is MEM_FREE.",
             region.state == MEM_FREE);

    time_arena_against_heap(lesson);
}

/* ------------------------------------------------------------------------------------ */
/* Step 10. The ring buffer.                                                            */
/* ------------------------------------------------------------------------------------ */

/* VirtualAlloc2's signature (memoryapi.h). It is looked up at run time: Windows before 10
 * version 1803 lacks it, and so do some import libraries. */
typedef PVOID(WINAPI *virtual_alloc2_fn)(HANDLE, PVOID, SIZE_T, ULONG, ULONG,
                                         MEM_EXTENDED_PARAMETER *, ULONG);
/* GetProcAddress's FARPROC goes through a generic function pointer first (C allows that
 * between function pointer types; it keeps GCC's -Wcast-function-type quiet). */
typedef void (*any_function_t)(void);

#ifndef MEM_RESERVE_PLACEHOLDER
#define MEM_RESERVE_PLACEHOLDER 0x00040000 /* documented value; mingw-w64 10 lacks it */
#endif

/* The first call of the placeholder method, made here in plain sight: VirtualAlloc2
 * reserving a placeholder of size bytes, released again at once. ERROR_SUCCESS when the
 * system accepts placeholders, ERROR_PROC_NOT_FOUND when it has no VirtualAlloc2, else the
 * error the call failed with. */
static DWORD try_a_placeholder(SIZE_T size)
{
    HMODULE kernelbase = GetModuleHandleW(L"kernelbase.dll"); /* in every Win32 process */
    FARPROC found = NULL;
    virtual_alloc2_fn virtual_alloc2 = NULL;
    void *placeholder = NULL;
    DWORD error = ERROR_SUCCESS;

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
    if (!VirtualFree(placeholder, 0, MEM_RELEASE)) { /* a whole placeholder: size 0 */
        error = GetLastError();
    }
    return error;
}

static void show_ring(wm_lesson_t *lesson)
{
    unsigned char message[RING_MESSAGE_BYTES];
    unsigned char read_back[RING_MESSAGE_BYTES];
    unsigned char lead[RING_BYTES];
    wm_ring_t ring;
    SIZE_T i = 0;
    SIZE_T write_offset = 0;
    SIZE_T lead_left = 0;
    SIZE_T piece = 0;
    DWORD error = ERROR_SUCCESS;
    int mirrored = 1;
    int same = 0;
    DWORD placeholder_error = ERROR_SUCCESS;

    wm_step(lesson, "A ring buffer mapped twice",
            "One section mapped at two adjacent addresses: byte i and byte i + size are the "
            "same byte. A block that runs past the end of the first view continues in the "
            "second, which is the start again, so it is written and read with one memcpy. "
            "Placeholders (VirtualAlloc2, MapViewOfFile3) build it with no gap for another "
            "thread to slip into; without them: reserve, release, map twice, and retry if "
            "someone took the range meanwhile.");

    error = wm_ring_create(RING_BYTES, WM_RING_ANY, &ring);
    wm_claim_success(lesson, "Creating the ring", error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    /* Move the positions close to the end: write and read a lead-in, in pieces that fit. */
    memset(lead, 0, sizeof lead);
    lead_left = ring.size - RING_LEAD_BYTES;
    while (lead_left > 0 && error == ERROR_SUCCESS) {
        piece = lead_left < sizeof lead ? lead_left : sizeof lead;
        error = wm_ring_write(&ring, lead, piece);
        if (error == ERROR_SUCCESS) {
            error = wm_ring_read(&ring, lead, piece);
        }
        lead_left -= piece;
    }
    wm_claim_success(lesson, "Writing and reading a lead-in", error);
    write_offset = (SIZE_T)(ring.head % ring.size);
    for (i = 0; i < RING_MESSAGE_BYTES; i++) {
        message[i] = PATTERN_BYTE(i);
    }
    error = wm_ring_write(&ring, message, RING_MESSAGE_BYTES);
    wm_claim_success(lesson, "Writing 10,000 bytes across the end (one memcpy)", error);
    memset(read_back, 0, sizeof read_back);
    if (error == ERROR_SUCCESS) {
        error = wm_ring_read(&ring, read_back, RING_MESSAGE_BYTES);
    }
    wm_claim_success(lesson, "Reading them back (one memcpy)", error);
    for (i = 0; i < RING_MESSAGE_BYTES - RING_LEAD_BYTES; i++) {
        if (ring.base[i] != ring.base[ring.size + i]) {
            mirrored = 0;
        }
    }
    placeholder_error = try_a_placeholder(2 * ring.size);

    wm_value_text(lesson, "method used", wm_ring_method_name(ring.method));
    value_error(lesson, "VirtualAlloc2(MEM_RESERVE_PLACEHOLDER)", placeholder_error);
    if (ring.method == WM_RING_REMAP) {
        value_error(lesson, "placeholders failed with", ring.placeholder_error);
        wm_value_count(lesson, "mapping attempts", ring.attempts, NULL);
    }
    wm_value_address(lesson, "first view", (uintptr_t)ring.base);
    wm_value_address(lesson, "second view", (uintptr_t)(ring.base + ring.size));
    wm_value_bytes(lesson, "ring size", ring.size);
    wm_value_count(lesson, "write started at offset", write_offset, NULL);
    wm_value_count(lesson, "bytes past the end", RING_MESSAGE_BYTES - RING_LEAD_BYTES, NULL);

    same = memcmp(message, read_back, RING_MESSAGE_BYTES) == 0;
    wm_claim(lesson, NULL, "The block read back equals the block written, byte for byte.", same);
    wm_claim(lesson, NULL,
             "The bytes written past the end are the first bytes of the storage (both views "
             "show them).",
             mirrored && write_offset + RING_MESSAGE_BYTES > ring.size);
    if (placeholder_error == ERROR_PROC_NOT_FOUND) {
        /* Not a failure: VirtualAlloc2 (Microsoft Learn) needs Windows 10 version 1803. */
        wm_note(lesson, "Placeholders are unavailable here: this system has no VirtualAlloc2 "
                        "(Windows 10 version 1803 and later have it), so the ring used "
                        "reserve, release and map twice.");
    } else {
        /* VirtualAlloc2 (Microsoft Learn), "Scenario 1. Create a ring buffer": a placeholder
         * split in two and each half replaced by a view. The deviation is seen when the
         * placeholder itself was refused as an invalid parameter and the ring fell back. */
        wm_claim_or_deviation(
            lesson, NULL, "Placeholders built the ring: no race with other threads.",
            ring.method == WM_RING_PLACEHOLDER,
            ring.method == WM_RING_REMAP && placeholder_error == ERROR_INVALID_PARAMETER,
            &PLACEHOLDERS_REJECTED);
    }
    error = wm_ring_destroy(&ring);
    wm_claim_success(lesson, "Unmapping both views and closing the section", error);
}

/* ------------------------------------------------------------------------------------ */
/* Step 11. Large pages and AWE.                                                        */
/* ------------------------------------------------------------------------------------ */

static void show_large_pages(wm_lesson_t *lesson)
{
    ULONG_PTR frames[1];
    ULONG_PTR frame_count = 1;
    SIZE_T minimum = 0;
    void *large = NULL;
    DWORD error = ERROR_SUCCESS;
    DWORD privilege_error = ERROR_SUCCESS;
    DWORD large_error = ERROR_SUCCESS;
    DWORD awe_error = ERROR_SUCCESS;

    wm_step(lesson, "Large pages and AWE",
            "A large page (2 MiB on x64) is one TLB entry instead of 512. Large pages and AWE "
            "physical pages are locked in RAM, so Windows gives them only to accounts with "
            "the \"Lock pages in memory\" right (SeLockMemoryPrivilege). An administrator "
            "grants it in Local Security Policy > User Rights Assignment; after signing in "
            "again the program enables it with AdjustTokenPrivileges. Without it, both fail: "
            "that is what an ordinary account sees here.");

    error = wm_large_page_minimum(&minimum);
    wm_claim_success(lesson, "GetLargePageMinimum", error);
    privilege_error = wm_large_page_enable_privilege();
    wm_value_bytes(lesson, "large-page minimum", minimum);
    value_error(lesson, "enabling SeLockMemoryPrivilege", privilege_error);
    /* GetLargePageMinimum (Microsoft Learn): 0 when the processor has no large pages. */
    wm_claim(lesson, NULL, "The large-page minimum is 0 (none) or a power of two.",
             minimum == 0 || wm_is_power_of_two(minimum));

    if (minimum == 0) {
        wm_note(lesson, "Large pages are unavailable here: GetLargePageMinimum returned 0 "
                        "(no large-page support), so there is nothing to allocate.");
    } else {
        large_error = wm_large_page_allocate(minimum, &large);
        value_error(lesson, "VirtualAlloc(MEM_LARGE_PAGES)", large_error);
        if (privilege_error != ERROR_SUCCESS) {
            /* Large-Page Support (Microsoft Learn): obtain SeLockMemoryPrivilege first. Which
             * error code a refusal carries is not documented: it is the value above. */
            wm_claim(lesson, NULL, "Without the privilege, VirtualAlloc(MEM_LARGE_PAGES) fails.",
                     large_error != ERROR_SUCCESS && large == NULL);
        } else if (large_error == ERROR_NO_SYSTEM_RESOURCES) {
            /* Large-Page Support: each large page must be physically contiguous, and memory
             * "may have become fragmented" after the system has run for a while. */
            wm_note(lesson, "A large page is unavailable here right now: with the privilege, "
                            "VirtualAlloc failed with ERROR_NO_SYSTEM_RESOURCES (1450), no "
                            "contiguous physical memory (fragmented).");
        } else {
            /* Large-Page Support: with the privilege, MEM_RESERVE | MEM_COMMIT and a multiple
             * of the minimum, the request is the documented one. */
            wm_claim_or_deviation(lesson, NULL,
                                  "With the privilege, one large page can be allocated.",
                                  large_error == ERROR_SUCCESS && large != NULL,
                                  large_error == ERROR_INVALID_PARAMETER, &LARGE_PAGES_REJECTED);
        }
        if (large != NULL) {
            error = wm_vm_release(large);
            wm_claim_success(lesson, "VirtualFree(MEM_RELEASE) of the large page", error);
        }
    }

    awe_error = wm_awe_allocate(&frame_count, frames);
    value_error(lesson, "AllocateUserPhysicalPages (AWE)", awe_error);
    if (privilege_error != ERROR_SUCCESS) {
        /* AllocateUserPhysicalPages (Microsoft Learn), Remarks: SeLockMemoryPrivilege must be
         * enabled "or the function will fail with ERROR_PRIVILEGE_NOT_HELD". */
        wm_claim_or_deviation(lesson, NULL,
                              "Without the privilege, AllocateUserPhysicalPages fails with "
                              "ERROR_PRIVILEGE_NOT_HELD.",
                              awe_error == ERROR_PRIVILEGE_NOT_HELD,
                              awe_error == ERROR_CALL_NOT_IMPLEMENTED, &AWE_NOT_IMPLEMENTED);
    } else {
        /* With the privilege the call may give fewer pages than asked for, not none. */
        wm_claim_or_deviation(lesson, NULL, "With the privilege, AWE gives physical pages.",
                              awe_error == ERROR_SUCCESS && frame_count >= 1,
                              awe_error == ERROR_CALL_NOT_IMPLEMENTED, &AWE_NOT_IMPLEMENTED);
    }
    if (awe_error == ERROR_SUCCESS) {
        error = wm_awe_free(frame_count, frames);
        wm_claim_success(lesson, "FreeUserPhysicalPages", error);
    }
}

/* --require-large-pages: probe before the lesson; 77 (skipped) when large pages cannot be
 * had here, so a test harness can tell "unavailable" from "failed". */
static int check_large_pages_option(const demo_config_t *config)
{
    SIZE_T minimum = 0;
    void *large = NULL;
    DWORD error = ERROR_SUCCESS;

    if (!config->require_large_pages) {
        return WM_ARGS_CONTINUE;
    }
    (void)wm_large_page_minimum(&minimum);
    if (minimum == 0) {
        fprintf(stderr, "%s: large pages are not available: no large-page support\n", DEMO_NAME);
        return WM_EXIT_UNAVAILABLE;
    }
    error = wm_large_page_enable_privilege();
    if (error == ERROR_SUCCESS) {
        error = wm_large_page_allocate(minimum, &large);
    }
    if (error == ERROR_NO_SYSTEM_RESOURCES) {
        /* Large-Page Support (Microsoft Learn): physical memory may be too fragmented. */
        fprintf(stderr,
                "%s: large pages are not available: error %lu (no contiguous physical "
                "memory; try again after a restart)\n",
                DEMO_NAME, (unsigned long)error);
        return WM_EXIT_UNAVAILABLE;
    }
    if (error != ERROR_SUCCESS) {
        fprintf(stderr,
                "%s: large pages are not available: error %lu (grant \"Lock pages in memory\" "
                "and sign in again)\n",
                DEMO_NAME, (unsigned long)error);
        return WM_EXIT_UNAVAILABLE;
    }
    error = wm_vm_release(large);
    return error == ERROR_SUCCESS ? WM_ARGS_CONTINUE : WM_EXIT_FAILED;
}

/* ------------------------------------------------------------------------------------ */
/* The table of contents.                                                               */
/* ------------------------------------------------------------------------------------ */

int wmain(int argc, wchar_t **argv)
{
    demo_config_t config;
    wm_options_t options;
    wm_lesson_t lesson;
    wm_system_t system;
    const wm_option_spec_t extra[] = {
        {L"--require-large-pages", WM_OPTION_FLAG, &config.require_large_pages, NULL,
         "exit 77 (unavailable) unless large pages can be allocated"},
    };
    const size_t extra_count = sizeof extra / sizeof extra[0];
    void *gigabyte = NULL;
    int handled = 0;

    memset(&config, 0, sizeof config);
    wm_console_init();
    handled = wm_args_handle(argc, argv, DEMO_NAME, DEMO_TITLE, extra, extra_count, &options);
    if (handled != WM_ARGS_CONTINUE) {
        return handled;
    }
    handled = check_large_pages_option(&config);
    if (handled != WM_ARGS_CONTINUE) {
        return handled;
    }
    (void)wm_system_query(&system);

    wm_lesson_begin(&lesson, DEMO_NAME, DEMO_TITLE, STEP_COUNT, &options, NULL, NULL);
    gigabyte = show_reserve(&lesson, &system);
    show_commit_and_touch(&lesson, &system, gigabyte);
    show_rounding(&lesson, &system);
    show_mistakes(&lesson, &system);
    show_decommit_and_release(&lesson, &system);
    show_commit_on_demand(&lesson, &system);
    show_reset(&lesson, &system);
    show_write_watch(&lesson, &system);
    show_arena(&lesson);
    show_ring(&lesson);
    show_large_pages(&lesson);
    return wm_lesson_end(&lesson);
}
