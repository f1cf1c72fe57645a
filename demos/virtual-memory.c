/*
 * virtual-memory.c - lesson 1: every process has its own private virtual address space.
 *
 * What you will see when you run it:
 *   1. The machine: GetSystemInfo's page size and allocation granularity, the range of
 *      addresses a program may use, RAM and the commit limit.
 *   2. This process's address space right now, walked region by region with VirtualQuery:
 *      how much is free, reserved and committed, and committed by what.
 *   3. Private address spaces: this program and a copy of itself put different values at
 *      the same virtual address, and each sees only its own.
 *   4. Virtual is not physical: VirtualAlloc(MEM_RESERVE) of 4 times more address space
 *      than there is RAM succeeds and costs no RAM; VirtualFree(MEM_RELEASE) gives it back.
 *
 * Run:  virtual-memory [--json] [--reserve=SIZE] [--pause]
 * Docs: docs/virtual-memory.md (every claim below has its evidence there, by its id)
 *
 * SPDX-License-Identifier: MIT
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>
#include <windows.h>
#include <psapi.h>

#include "winmem.h"
#include "wm_lesson.h"

#define LESSON_NAME "virtual-memory"
#define LESSON_TITLE                                                                               \
    "Each process has its own private, contiguous virtual address space, mapped to RAM "           \
    "and, when RAM runs short, to the page file."

/* Step 4 reserves this many times the machine's RAM, unless --reserve says otherwise. */
#define RESERVE_RAM_MULTIPLE 4

/* --reserve was not given. (0 cannot mean that: --reserve=0 is a usage error.) */
#define RESERVE_DEFAULT UINT64_MAX

/* A reservation "costs no RAM" if the working set grows by less than this. Some growth is
 * normal: the calls themselves touch a few pages of code, stack and heap. */
#define NOISE_BYTES (1024u * 1024u)

/* The values each process writes into its page in step 3. The low 32 bits hold the
 * writer's process ID, so each value is visibly the writer's own. */
#define PARENT_MARK 0x9A9E000000000000ull
#define CHILD_MARK 0xC41D000000000000ull

/* What the command line sets, and what step 1 finds out for the steps after it. */
typedef struct lesson_state_s
{
    uint64_t reserve_bytes; /* --reserve: step 4's reservation; RESERVE_DEFAULT = 4 x RAM */
    uint64_t child_address; /* --at: in the child mode, where to commit its page */
    SYSTEM_INFO system;     /* step 1: page size, granularity, the usable range */
    MEMORYSTATUSEX memory;  /* step 1: RAM and the address space's totals */
} lesson_state_t;

/* What step 3's child reports back (wm_child_report): one plain struct, no parsing. */
typedef struct child_report_s
{
    uint64_t address;    /* where its page is */
    uint64_t first_read; /* what the page held before the child wrote to it */
    uint64_t wrote;      /* the value it wrote */
    uint64_t read_back;  /* what it read after writing */
    DWORD error;         /* 0, or why VirtualAlloc could not commit at the address */
} child_report_t;

/* How Wine is recorded to differ in step 4 (docs/deviations.md has the rows). */
static const wm_deviation_t RESERVE_COSTS_RAM = {
    "wine-reserve-costs-ram",
    "reserving adds about one byte of resident memory per reserved page (Wine keeps a "
    "page-protection byte for each page of a reservation), so the working set grows by "
    "about size / page size."};
static const wm_deviation_t PRIVATE_USAGE_UNFILLED = {
    "wine-private-usage-unfilled",
    "GetProcessMemoryInfo fills only the base PROCESS_MEMORY_COUNTERS and leaves "
    "PrivateUsage unwritten, so the commit charge cannot be observed."};
static const wm_deviation_t AVAIL_VIRTUAL_IGNORES_RESERVE = {
    "wine-avail-virtual-ignores-reserve",
    "GlobalMemoryStatusEx's ullAvailVirtual still counts the reserved range as available "
    "(Wine estimates it from the working set)."};

/* ------------------------------------------------------------------------------------ */
/* Step 1. The machine.                                                                 */
/* ------------------------------------------------------------------------------------ */

static void show_the_machine(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    SYSTEM_INFO *system = &state->system;
    MEMORYSTATUSEX *memory = &state->memory;
    SYSTEM_INFO native;
    PERFORMANCE_INFORMATION performance;
    BOOL ok = FALSE;
    uint64_t user_space = 0;
    uint64_t commit_limit = 0;
    uint64_t commit_total = 0;
    uint64_t ram_in_pages = 0;
    uint64_t ram_difference = 0;

    GetSystemInfo(system); /* cannot fail */
    GetNativeSystemInfo(&native);
    memory->dwLength = sizeof *memory; /* API oddity: without it the call fails (87) */
    ok = GlobalMemoryStatusEx(memory);
    if (!wm_require_win32(lesson, "GlobalMemoryStatusEx", ok)) {
        return;
    }
    ok = GetPerformanceInfo(&performance, sizeof performance);
    if (!wm_require_win32(lesson, "GetPerformanceInfo", ok)) {
        return;
    }

    /* The range is inclusive: the highest address is the last usable byte. */
    user_space = (uint64_t)((uintptr_t)system->lpMaximumApplicationAddress -
                            (uintptr_t)system->lpMinimumApplicationAddress) +
                 1;
    /* GetPerformanceInfo counts in pages. */
    commit_limit = (uint64_t)performance.CommitLimit * performance.PageSize;
    commit_total = (uint64_t)performance.CommitTotal * performance.PageSize;
    ram_in_pages = (uint64_t)performance.PhysicalTotal * performance.PageSize;

    wm_value_bytes(lesson, "page size (dwPageSize)", system->dwPageSize);
    wm_value_bytes(lesson, "allocation granularity", system->dwAllocationGranularity);
    wm_value_address(lesson, "lowest application address",
                     (uintptr_t)system->lpMinimumApplicationAddress);
    wm_value_address(lesson, "highest application address",
                     (uintptr_t)system->lpMaximumApplicationAddress);
    wm_value_bytes(lesson, "user address space", user_space);
    wm_value_count(lesson, "logical processors", system->dwNumberOfProcessors, NULL);
    wm_value_bytes(lesson, "physical memory (RAM)", memory->ullTotalPhys);
    wm_value_bytes(lesson, "physical memory available", memory->ullAvailPhys);
    wm_value_bytes(lesson, "commit limit (RAM + page files)", commit_limit);
    wm_value_bytes(lesson, "commit charge, all processes", commit_total);

    wm_claim(lesson, "vm.page-size", "The page size is 4 KiB (4,096 bytes).",
             system->dwPageSize == 4096);
    wm_claim(lesson, "vm.granularity",
             "The allocation granularity is 64 KiB: a whole number of pages (16).",
             system->dwAllocationGranularity == 65536 &&
                 system->dwAllocationGranularity % system->dwPageSize == 0);
    wm_claim(lesson, "vm.native-info",
             "A 64-bit process sees the native system: GetNativeSystemInfo and GetSystemInfo "
             "agree.",
             native.dwPageSize == system->dwPageSize &&
                 native.dwAllocationGranularity == system->dwAllocationGranularity &&
                 native.lpMaximumApplicationAddress == system->lpMaximumApplicationAddress);
    wm_claim(lesson, "vm.total-virtual",
             "The user address space (highest - lowest + 1) is what GlobalMemoryStatusEx "
             "calls total virtual memory.",
             user_space == memory->ullTotalVirtual);
    wm_claim(lesson, "vm.bigger-than-ram",
             "In a 64-bit process the user address space is larger than RAM: virtual is not "
             "physical.",
             user_space > memory->ullTotalPhys);
    wm_claim(lesson, "vm.commit-within-limit",
             "All processes together have committed no more than the commit limit.",
             commit_total <= commit_limit);
    /* The two functions read the same kernel count, one in bytes and one in pages. */
    ram_difference = memory->ullTotalPhys > ram_in_pages ? memory->ullTotalPhys - ram_in_pages
                                                         : ram_in_pages - memory->ullTotalPhys;
    wm_claim(lesson, "vm.ram-agrees",
             "GlobalMemoryStatusEx and GetPerformanceInfo agree on RAM (to within 1%).",
             ram_difference <= memory->ullTotalPhys / 100);
}

/* ------------------------------------------------------------------------------------ */
/* Step 2. The address space right now.                                                 */
/* ------------------------------------------------------------------------------------ */

/* What the walk in step 2 adds up. */
typedef struct walk_totals_s
{
    uint64_t regions;
    uint64_t gaps;           /* times a region did not start where the one before ended */
    uint64_t free_bytes;     /* MEM_FREE */
    uint64_t reserved_bytes; /* MEM_RESERVE */
    uint64_t committed_bytes;
    uint64_t committed_by_type; /* MEM_IMAGE + MEM_MAPPED + MEM_PRIVATE */
} walk_totals_t;

static void show_the_address_space(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    uintptr_t lowest = (uintptr_t)state->system.lpMinimumApplicationAddress;
    uintptr_t highest = (uintptr_t)state->system.lpMaximumApplicationAddress;
    uintptr_t address = lowest;
    uintptr_t expected = lowest;
    MEMORY_BASIC_INFORMATION region;
    walk_totals_t totals;
    HMODULE executable = NULL;
    SIZE_T written = 0;
    int on_the_stack = 0;

    memset(&totals, 0, sizeof totals);
    /* The walk: ask about an address, then step past the region it is in. */
    while (address <= highest) {
        written = VirtualQuery((LPCVOID)address, &region, sizeof region);
        if (!wm_require_win32(lesson, "VirtualQuery", written != 0)) {
            return;
        }
        totals.regions++;
        if ((uintptr_t)region.BaseAddress != expected) {
            totals.gaps++;
        }
        if (region.State == MEM_FREE) {
            totals.free_bytes += region.RegionSize;
        } else if (region.State == MEM_RESERVE) {
            totals.reserved_bytes += region.RegionSize;
        } else {
            totals.committed_bytes += region.RegionSize;
            if (region.Type == MEM_IMAGE || region.Type == MEM_MAPPED ||
                region.Type == MEM_PRIVATE) {
                totals.committed_by_type += region.RegionSize;
            }
        }
        address = (uintptr_t)region.BaseAddress + region.RegionSize;
        expected = address;
    }
    wm_value_count(lesson, "regions", totals.regions, NULL);
    wm_value_bytes(lesson, "free", totals.free_bytes);
    wm_value_bytes(lesson, "reserved", totals.reserved_bytes);
    wm_value_bytes(lesson, "committed", totals.committed_bytes);

    wm_value_address(lesson, "the walk ended at", address);
    wm_claim(lesson, "vm.walk-no-gaps",
             "VirtualQuery describes the region that starts at the address asked about, so "
             "each region starts where the one before it ends.",
             totals.gaps == 0);
    wm_claim(lesson, "vm.committed-types",
             "Every committed region is of type MEM_IMAGE, MEM_MAPPED or MEM_PRIVATE.",
             totals.committed_by_type == totals.committed_bytes);

    /* Two landmarks: this program's own image, and the stack this function runs on. */
    executable = GetModuleHandleW(NULL); /* NULL: the .exe's base address, no reference */
    written = VirtualQuery(executable, &region, sizeof region);
    if (!wm_require_win32(lesson, "VirtualQuery(the .exe)", written != 0)) {
        return;
    }
    wm_value_address(lesson, "this .exe starts at", (uintptr_t)executable);
    wm_claim(lesson, "vm.exe-is-image", "The .exe is committed memory of type MEM_IMAGE.",
             region.State == MEM_COMMIT && region.Type == MEM_IMAGE);

    written = VirtualQuery(&on_the_stack, &region, sizeof region);
    if (!wm_require_win32(lesson, "VirtualQuery(a local variable)", written != 0)) {
        return;
    }
    wm_value_address(lesson, "a local variable is at", (uintptr_t)&on_the_stack);
    wm_claim(lesson, "vm.stack-is-private", "The stack is committed private read-write memory.",
             region.State == MEM_COMMIT && region.Type == MEM_PRIVATE &&
                 (region.Protect & 0xFFu) == PAGE_READWRITE);
}

/* ------------------------------------------------------------------------------------ */
/* Step 3. Private address spaces.                                                      */
/* ------------------------------------------------------------------------------------ */

/* Commits one page at a granularity-aligned address in the middle of the address space,
 * far from where the loader and the heaps put things: the same address is very likely
 * free in a fresh copy of this program too. NULL if no candidate was free. */
static void *commit_at_a_quiet_address(const SYSTEM_INFO *system)
{
    uintptr_t highest = (uintptr_t)system->lpMaximumApplicationAddress;
    uintptr_t candidate = 0;
    void *page = NULL;
    int attempt = 0;

    for (attempt = 0; attempt < 8 && page == NULL; attempt++) {
        /* Halfway up, then a quarter, an eighth...: each on a granularity boundary. */
        candidate = highest >> (attempt + 1);
        candidate -= candidate % system->dwAllocationGranularity;
        page = VirtualAlloc((void *)candidate, system->dwPageSize,
                            MEM_RESERVE | MEM_COMMIT, /* address space and storage at once */
                            PAGE_READWRITE);
    }
    return page;
}

/* What each process saw at the one address, side by side, and the claims about it. */
static void compare_the_two_pages(wm_lesson_t *lesson, volatile uint64_t *page,
                                  uint64_t parent_value, const child_report_t *report)
{
    if (report->error != ERROR_SUCCESS) {
        /* The address was taken in the child: possible, never promised. A value. */
        wm_value_count(lesson, "child's VirtualAlloc error", report->error, NULL);
        wm_note(lesson, "The copy found the address in use, so there is nothing to compare; "
                        "run the lesson again.");
        return;
    }
    wm_value_address(lesson, "child's page is at", (uintptr_t)report->address);
    wm_value_hex(lesson, "child first read", report->first_read, NULL);
    wm_value_hex(lesson, "child wrote", report->wrote, "0xC41D... + child's process ID");
    wm_value_hex(lesson, "child read back", report->read_back, NULL);
    wm_value_hex(lesson, "parent reads now", *page, NULL);
    wm_claim(lesson, "vm.same-address",
             "VirtualAlloc at an address that is free in the child returns exactly that "
             "address: the parent's.",
             report->address == (uintptr_t)page);
    wm_claim(lesson, "vm.child-sees-zero",
             "The child does not see the parent's value: its page at that address is new and "
             "zero.",
             report->first_read == 0);
    wm_claim(lesson, "vm.child-reads-own", "The child reads back its own value at that address.",
             report->read_back == report->wrote && report->wrote != parent_value);
    wm_claim(lesson, "vm.parent-reads-own",
             "The parent still reads its own value at the same address.", *page == parent_value);
}

static void show_private_address_spaces(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    volatile uint64_t *page = NULL;
    uint64_t parent_value = PARENT_MARK | GetCurrentProcessId();
    wchar_t arguments[64];
    wm_output_t output;
    child_report_t report;
    DWORD child_exit = 0;
    DWORD error = ERROR_SUCCESS;
    BOOL ok = FALSE;
    int reported = 0;

    page = (volatile uint64_t *)commit_at_a_quiet_address(&state->system);
    if (!wm_require_win32(lesson, "VirtualAlloc(MEM_RESERVE | MEM_COMMIT) at a chosen address",
                          page != NULL)) {
        return;
    }
    *page = parent_value;
    wm_value_address(lesson, "the address", (uintptr_t)page);
    wm_value_hex(lesson, "parent wrote", parent_value, "0x9A9E... + parent's process ID");

    /* The copy of this program commits a page at the same address (its child mode). */
    swprintf(arguments, sizeof arguments / sizeof arguments[0], L"--child=own-page --at=%llu",
             (unsigned long long)(uintptr_t)page);
    memset(&output, 0, sizeof output);
    error = wm_process_run_self(arguments, wm_output_collect, &output, &child_exit);
    if (wm_require(lesson, "Running a copy of this program (CreateProcessW)", error)) {
        wm_value_count(lesson, "child's exit code", child_exit, NULL);
        reported = wm_child_report_read(output.text, output.length, &report, sizeof report);
        if (wm_require(lesson, "Reading the child's report", reported ? 0 : ERROR_INVALID_DATA)) {
            compare_the_two_pages(lesson, page, parent_value, &report);
        }
    }
    ok = VirtualFree((void *)page, 0, MEM_RELEASE); /* size 0: the whole reservation */
    (void)wm_require_win32(lesson, "VirtualFree(MEM_RELEASE)", ok);
}

/* The child's side of step 3: commit a page at the parent's address, read, write, read,
 * and report. Exit code 0 when the report was written. */
static int run_own_page_child(void *context)
{
    const lesson_state_t *state = (const lesson_state_t *)context;
    volatile uint64_t *page = NULL;
    child_report_t report;
    DWORD error = ERROR_SUCCESS;

    memset(&report, 0, sizeof report);
    report.wrote = CHILD_MARK | GetCurrentProcessId();
    page = (volatile uint64_t *)VirtualAlloc((void *)(uintptr_t)state->child_address,
                                             1, /* one byte: VirtualAlloc commits its page */
                                             MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    if (page == NULL) {
        report.error = GetLastError();
    } else {
        report.address = (uintptr_t)page;
        report.first_read = *page;
        *page = report.wrote;
        report.read_back = *page;
        (void)VirtualFree((void *)page, 0, MEM_RELEASE);
    }
    error = wm_child_report(&report, sizeof report);
    return error == ERROR_SUCCESS ? WM_EXIT_OK : WM_EXIT_FAILED;
}

/* ------------------------------------------------------------------------------------ */
/* Step 4. Virtual is not physical.                                                     */
/* ------------------------------------------------------------------------------------ */

/* The counters step 4 compares before and after the reservation. */
typedef struct counters_s
{
    PROCESS_MEMORY_COUNTERS_EX process; /* working set, PrivateUsage (commit charge) */
    MEMORYSTATUSEX memory;              /* ullAvailVirtual */
} counters_t;

/* Where GetProcessMemoryInfo did not write PrivateUsage, it keeps this value. */
#define UNWRITTEN ((SIZE_T)-1)

static DWORD read_counters(counters_t *counters)
{
    BOOL ok = FALSE;

    memset(counters, 0, sizeof *counters);
    counters->process.PrivateUsage = UNWRITTEN; /* to see whether the call fills it */
    ok = GetProcessMemoryInfo(GetCurrentProcess(), (PROCESS_MEMORY_COUNTERS *)&counters->process,
                              sizeof counters->process); /* the _EX size: adds PrivateUsage */
    if (!ok) {
        return GetLastError();
    }
    counters->memory.dwLength = sizeof counters->memory;
    ok = GlobalMemoryStatusEx(&counters->memory);
    if (!ok) {
        return GetLastError();
    }
    return ERROR_SUCCESS;
}

static void show_virtual_is_not_physical(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    SIZE_T granularity = state->system.dwAllocationGranularity;
    uint64_t requested = state->reserve_bytes;
    SIZE_T size = 0;
    counters_t before;
    counters_t after;
    MEMORY_BASIC_INFORMATION region;
    void *base = NULL;
    SIZE_T written = 0;
    DWORD error = ERROR_SUCCESS;
    BOOL ok = FALSE;
    int64_t working_set_growth = 0;
    int64_t private_growth = 0;
    int private_written = 0;
    uint64_t virtual_drop = 0;
    uint64_t protection_bytes = 0;

    if (requested == RESERVE_DEFAULT) {
        requested = state->memory.ullTotalPhys * RESERVE_RAM_MULTIPLE;
    }
    /* Round up to the granularity, as VirtualAlloc would, but keep it within what is free. */
    size = (SIZE_T)(requested + granularity - 1) / granularity * granularity;
    if (size > state->memory.ullAvailVirtual) {
        size = (SIZE_T)state->memory.ullAvailVirtual / 2 / granularity * granularity;
        wm_note(lesson, "That much is not free here: reserving half of what is free instead.");
    }
    error = read_counters(&before);
    if (!wm_require(lesson, "GetProcessMemoryInfo and GlobalMemoryStatusEx (before)", error)) {
        return;
    }

    base = VirtualAlloc(NULL,           /* anywhere: the system picks the address */
                        size,           /* a multiple of the granularity */
                        MEM_RESERVE,    /* address space only: no RAM, no commit charge */
                        PAGE_NOACCESS); /* nothing may touch it until it is committed */
    if (!wm_require_win32(lesson, "VirtualAlloc(MEM_RESERVE)", base != NULL)) {
        return;
    }
    error = read_counters(&after);
    written = VirtualQuery(base, &region, sizeof region);

    working_set_growth =
        (int64_t)after.process.WorkingSetSize - (int64_t)before.process.WorkingSetSize;
    private_written =
        before.process.PrivateUsage != UNWRITTEN && after.process.PrivateUsage != UNWRITTEN;
    private_growth = (int64_t)after.process.PrivateUsage - (int64_t)before.process.PrivateUsage;
    virtual_drop = before.memory.ullAvailVirtual > after.memory.ullAvailVirtual
                       ? before.memory.ullAvailVirtual - after.memory.ullAvailVirtual
                       : 0;
    protection_bytes = size / state->system.dwPageSize;

    wm_value_bytes(lesson, "reserved", size);
    wm_value_bytes(lesson, "RAM", state->memory.ullTotalPhys);
    wm_value_address(lesson, "reservation base", (uintptr_t)base);
    wm_value_signed(lesson, "working set change", working_set_growth, "bytes");
    if (private_written) {
        wm_value_signed(lesson, "PrivateUsage (commit charge) change", private_growth, "bytes");
    } else {
        wm_value_text(lesson, "PrivateUsage (commit charge)", "not filled in");
    }
    wm_value_bytes(lesson, "drop in available virtual memory", virtual_drop);

    if (error == ERROR_SUCCESS && written != 0) {
        if (size > state->memory.ullTotalPhys) {
            wm_claim(lesson, "vm.reserve-beyond-ram", "A reservation larger than RAM succeeded.",
                     base != NULL);
        } else {
            wm_note(lesson, "The reservation is no larger than RAM; try a larger --reserve.");
        }
        wm_claim(lesson, "vm.reserve-aligned",
                 "The reservation starts at a multiple of the allocation granularity.",
                 (uintptr_t)base % granularity == 0);
        wm_claim(lesson, "vm.reserve-one-region",
                 "VirtualQuery shows the whole range as one MEM_RESERVE region.",
                 region.State == MEM_RESERVE && region.BaseAddress == base &&
                     region.RegionSize >= size);
        wm_claim_or_deviation(lesson, "vm.reserve-no-ram",
                              "The working set (RAM in use) hardly moved: reserving costs no "
                              "RAM.",
                              working_set_growth < (int64_t)NOISE_BYTES,
                              working_set_growth < (int64_t)(protection_bytes * 2 + NOISE_BYTES),
                              &RESERVE_COSTS_RAM);
        /* A counter the call did not write shows nothing: that is not a pass. */
        wm_claim_or_deviation(lesson, "vm.reserve-no-commit",
                              "Reserving adds nothing to the commit charge (PrivateUsage).",
                              private_written && private_growth < (int64_t)NOISE_BYTES,
                              !private_written, &PRIVATE_USAGE_UNFILLED);
        /* The reservation alone takes size bytes of the total: more available than
         * total - size means the reserved range was counted as available. */
        wm_claim_or_deviation(lesson, "vm.reserve-takes-address-space",
                              "Available virtual memory dropped by the size reserved.",
                              virtual_drop >= size,
                              after.memory.ullAvailVirtual > after.memory.ullTotalVirtual - size,
                              &AVAIL_VIRTUAL_IGNORES_RESERVE);
    } else {
        (void)wm_require(lesson, "Reading the counters after the reservation",
                         error != ERROR_SUCCESS ? error : ERROR_INVALID_ADDRESS);
    }

    ok = VirtualFree(base, 0,      /* size 0: the whole reservation, as VirtualAlloc made it */
                     MEM_RELEASE); /* give the address space back */
    if (!wm_require_win32(lesson, "VirtualFree(MEM_RELEASE)", ok)) {
        return;
    }
    written = VirtualQuery(base, &region, sizeof region);
    wm_claim(lesson, "vm.release-frees", "After VirtualFree(MEM_RELEASE) the range is MEM_FREE.",
             written != 0 && region.State == MEM_FREE);
}

/* ------------------------------------------------------------------------------------ */
/* The lesson as a table: its steps, options and child mode.                            */
/* ------------------------------------------------------------------------------------ */

static void set_defaults(void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;

    state->reserve_bytes = RESERVE_DEFAULT;
}

/* --reserve must be at least one byte and fit in the user address space. */
static const char *check_options(void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    MEMORYSTATUSEX memory;
    BOOL ok = FALSE;

    if (state->reserve_bytes == RESERVE_DEFAULT) {
        return NULL;
    }
    if (state->reserve_bytes == 0) {
        return "--reserve: must be at least 1 byte";
    }
    memory.dwLength = sizeof memory;
    ok = GlobalMemoryStatusEx(&memory);
    if (ok && state->reserve_bytes > memory.ullTotalVirtual) {
        return "--reserve: larger than the user address space";
    }
    return NULL;
}

static const wm_lesson_step_t steps[] = {
    {"The machine",
     "GetSystemInfo gives the two sizes that rule virtual memory: the page (the unit of "
     "commit and protection) and the allocation granularity (where reservations may start). "
     "GlobalMemoryStatusEx and GetPerformanceInfo give RAM and the commit limit: the most "
     "memory all processes together can commit, RAM plus page files.",
     show_the_machine},
    {"The address space right now",
     "VirtualQuery describes the region around an address: its base, size, state (free, "
     "reserved or committed), protection and type. Starting at the lowest application "
     "address and stepping by each region's size walks the whole user address space. "
     "Committed memory is of three types: image (the .exe and DLLs), mapped (views of files "
     "and sections) and private (heaps, stacks, VirtualAlloc).",
     show_the_address_space},
    {"Private address spaces",
     "The same virtual address can hold different data in two processes, because each "
     "process has its own page tables: an address means nothing outside the process that "
     "uses it. This program commits a page at a fixed address and writes its value there, "
     "then starts a copy of itself, which commits a page at the same address and writes "
     "its own value.",
     show_private_address_spaces},
    {"Virtual is not physical",
     "Reserving address space (VirtualAlloc with MEM_RESERVE) only marks a range as taken: "
     "no RAM, no page file, no commit charge. So a process can reserve far more than the "
     "machine has. Here: four times the RAM, unless --reserve says otherwise.",
     show_virtual_is_not_physical},
};

static const wm_lesson_option_t options[] = {
    {L"--reserve", WM_OPTION_SIZE, offsetof(lesson_state_t, reserve_bytes), "SIZE",
     "step 4: reserve SIZE (K/M/G/T) instead of 4 x RAM"},
    {L"--at", WM_OPTION_UNSIGNED, offsetof(lesson_state_t, child_address), "ADDRESS",
     NULL /* internal: step 3's child commits its page here */},
};

static const wm_lesson_child_t children[] = {
    {"own-page", run_own_page_child}, /* step 3 */
};

static const wm_lesson_spec_t lesson = {
    LESSON_NAME,
    LESSON_TITLE,
    steps,
    sizeof steps / sizeof steps[0],
    options,
    sizeof options / sizeof options[0],
    children,
    sizeof children / sizeof children[0],
    sizeof(lesson_state_t),
    set_defaults,
    check_options,
    NULL, /* nothing this lesson needs can be missing */
};

int wmain(int argc, wchar_t **argv)
{
    return wm_lesson_main(&lesson, argc, argv);
}
