/*
 * diagnostics.c - lesson: the memory APIs and tools that diagnose a process's memory.
 *
 * "Beyond the core allocation functions, Windows provides a rich set of APIs and tools for
 * diagnosing and optimizing memory usage." (Seed document.)
 *
 * What you will see when you run it:
 *   1-3. Counters: this process's commit charge, working set and page faults as 64 MiB is
 *        committed, touched page by page, trimmed and freed; QueryWorkingSetEx's per-page
 *        view of the same pages; QueryWorkingSet; the system's commit charge as a value.
 *   4-5. The map of this process, classified as VMMap does: where the executable, the DLLs,
 *        the heaps and the stack are; the memory-map tool run on this process by its PID.
 *   6-7. A leak found twice: a heap snapshot diff shows the leaked blocks and their sizes; an
 *        address-space map diff shows a leaked VirtualAlloc region.
 *   8.   Out of memory on purpose: a child in a job object with a small memory limit; its
 *        allocation fails with a clean error instead of crashing (where the limit is enforced).
 *   9.   The tool guide: Task Manager, Resource Monitor, Performance Monitor, VMMap, RAMMap,
 *        Process Explorer, WinDbg, UMDH, Application Verifier and page heap, WPR/WPA, the CRT
 *        debug heap: what each shows, and which call shows the same number.
 *
 * Run with --pause to stop before each step: the lesson prints its PID, and step 9 lists
 * the addresses worth looking at in VMMap or WinDbg.
 *
 * Run:  diagnostics [--json] [--pause]
 * Docs: docs/diagnostics.md (every claim below has its evidence there, by its id)
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

#define LESSON_NAME "diagnostics"
#define LESSON_TITLE                                                                               \
    "The numbers the diagnostic tools show come from a few APIs: read them yourself, map the "     \
    "address space like VMMap, find leaks by diffing snapshots."

/* Steps 1-3: bytes committed, touched and freed: big enough to stand out of the noise. */
#define COUNTED_BYTES (64u * 1024u * 1024u)

/* Steps 1 and 4: the commit charge moves by the block "to within" this much: the lesson's
 * own output between two readings may grow or shrink the C runtime's heap a little. */
#define NOISE_BYTES (1024u * 1024u)

/* Step 2: a working set may be trimmed meanwhile; touching must show at least this share
 * of the touched bytes (in percent) to count as "grew by the touched bytes". */
#define RESIDENT_SHARE_PERCENT 90u

/* Step 3: QueryWorkingSet's buffer in the "too small" call: room for one entry, where the
 * process has hundreds of pages. */
#define TOO_SMALL_ENTRIES 1

/* Where GetProcessMemoryInfo did not write PrivateUsage, it keeps this value. */
#define UNWRITTEN ((SIZE_T)-1)

/* Step 6: the leaky routine's heap blocks: five allocated, three freed, two forgotten. */
#define LEAK_BLOCKS 5
static const SIZE_T leak_sizes[LEAK_BLOCKS] = {48, 1000, 24, 4000, 96};
static const int leak_forgotten[LEAK_BLOCKS] = {1, 1, 0, 0, 0}; /* blocks 0 and 1 leak */
#define LEAKED_BLOCKS 2
#define LEAKED_BYTES (48u + 1000u)

/* Step 7: the leaked VirtualAlloc region. */
#define LEAKED_REGION_BYTES (256u * 1024u)

/* Step 8: the job's per-process commit limit, and what the child tries to commit. */
#define JOB_LIMIT_BYTES (32u * 1024u * 1024u)
#define CHILD_ASKS_BYTES (64u * 1024u * 1024u)

/* Step 8: the child's exit code when its allocation succeeded (else: the error code). */
#define CHILD_ALLOCATED 0u

/* The counters steps 1-3 read: the process's (PrivateUsage set to UNWRITTEN before each
 * call, to see whether the call fills it) and the system's. */
typedef struct counters_s
{
    PROCESS_MEMORY_COUNTERS_EX process;  /* working set, page faults, PrivateUsage */
    PERFORMANCE_INFORMATION performance; /* the system's commit charge, in pages */
} counters_t;

/* What step 1 finds out for the steps after it. */
typedef struct lesson_state_s
{
    SYSTEM_INFO system;   /* the page size */
    unsigned char *block; /* steps 1-3: the COUNTED_BYTES committed, or NULL */
    counters_t before;    /* step 1: before the commit */
    counters_t committed; /* step 1: after it */
    counters_t touched;   /* step 2: after touching every page */
} lesson_state_t;

/* How Wine is recorded to differ (docs/deviations.md has the rows). Each claim that names
 * one checks its own observation of it: "this is Wine" alone never makes a verdict. */
static const wm_deviation_t PRIVATE_USAGE_UNFILLED = {
    "wine-private-usage-unfilled",
    "GetProcessMemoryInfo fills only the base PROCESS_MEMORY_COUNTERS and leaves "
    "PrivateUsage unwritten, so the commit charge cannot be observed."};
static const wm_deviation_t PAGE_FAULTS_UNCOUNTED = {
    "wine-page-faults-uncounted",
    "GetProcessMemoryInfo's PageFaultCount is always 0: page faults are not counted."};
static const wm_deviation_t EMPTY_WORKING_SET_NOOP = {
    "wine-empty-working-set-noop",
    "EmptyWorkingSet returns TRUE and removes nothing: a touched page is still Valid after it."};
static const wm_deviation_t QUERY_WORKING_SET_UNSUPPORTED = {
    "wine-query-working-set-unsupported",
    "QueryWorkingSet fails with ERROR_INVALID_PARAMETER whatever the buffer, and says no "
    "count (Wine's ntdll rejects the working-set list information class)."};
static const wm_deviation_t MAPPED_NAME_DOS_FORM = {
    "wine-mapped-name-dos-form",
    "GetMappedFileNameW gives the NT form of the DOS path (\\??\\Z:\\...), not the device "
    "form (\\Device\\HarddiskVolumeN\\...)."};
static const wm_deviation_t JOB_MEMORY_LIMIT_NOT_STORED = {
    "wine-job-memory-limit-not-stored",
    "SetInformationJobObject accepts JOB_OBJECT_LIMIT_PROCESS_MEMORY, but "
    "QueryInformationJobObject reads ProcessMemoryLimit back as 0."};
static const wm_deviation_t JOB_MEMORY_LIMIT_NOT_ENFORCED = {
    "wine-job-memory-limit-not-enforced",
    "A process in a job with JOB_OBJECT_LIMIT_PROCESS_MEMORY commits more than the limit: "
    "the commit succeeds."};

/* ------------------------------------------------------------------------------------ */
/* Shared helpers: reading and showing counters.                                        */
/* ------------------------------------------------------------------------------------ */

/* Reads this process's counters and the system's. PrivateUsage keeps UNWRITTEN when the
 * call does not fill it (a 0 would be a guess: this function never zeroes it). */
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
    ok = GetPerformanceInfo(&counters->performance, sizeof counters->performance);
    if (!ok) {
        return GetLastError();
    }
    return ERROR_SUCCESS;
}

/* 1 when PrivateUsage was filled in at every reading given. */
static int private_filled(const counters_t *first, const counters_t *second)
{
    return first->process.PrivateUsage != UNWRITTEN && second->process.PrivateUsage != UNWRITTEN;
}

/* The process counters as values; PrivateUsage as "not filled in" when the call left it. */
static void value_counters(wm_lesson_t *lesson, const char *when, const counters_t *counters)
{
    char name[96];

    snprintf(name, sizeof name, "%s: working set", when);
    wm_value_bytes(lesson, name, counters->process.WorkingSetSize);
    snprintf(name, sizeof name, "%s: private bytes (PrivateUsage)", when);
    if (counters->process.PrivateUsage == UNWRITTEN) {
        wm_value_text(lesson, name, "not filled in");
    } else {
        wm_value_bytes(lesson, name, counters->process.PrivateUsage);
    }
    snprintf(name, sizeof name, "%s: page faults", when);
    wm_value_count(lesson, name, counters->process.PageFaultCount, NULL);
}

/* The change of the system's commit charge between two readings, as a value. The total
 * moves with every process on the machine (and under Wine it is the host's memory in use,
 * not a commit figure): something to look at, not a claim about this process. */
static void value_system_commit(wm_lesson_t *lesson, const counters_t *first,
                                const counters_t *second)
{
    int64_t change =
        ((int64_t)second->performance.CommitTotal - (int64_t)first->performance.CommitTotal) *
        (int64_t)second->performance.PageSize;

    wm_value_signed(lesson, "system commit charge change (all processes)", change, "bytes");
}

/* An error code as a value: "8 Not enough memory." (the text differs between Windows and
 * Wine; claims compare codes only). */
static void value_error(wm_lesson_t *lesson, const char *name, DWORD error)
{
    char text[256];

    (void)wm_error_text(error, text, sizeof text);
    wm_value_text(lesson, name, text);
}

/* One page as QueryWorkingSetEx describes it (PSAPI_WORKING_SET_EX_BLOCK's bit fields, read
 * out once). */
typedef struct page_view_s
{
    int valid;        /* 1: resident in the working set; the fields below mean something */
    DWORD protection; /* its PAGE_* protection */
    int shared;       /* 1: the page can be shared (an image or section page) */
} page_view_t;

/* Asks QueryWorkingSetEx about one page: *view gets its attributes. */
static BOOL query_page(const void *address, page_view_t *view)
{
    PSAPI_WORKING_SET_EX_INFORMATION page;
    BOOL ok = FALSE;

    memset(&page, 0, sizeof page);
    memset(view, 0, sizeof *view);
    page.VirtualAddress = (PVOID)address; /* in: the page; out: VirtualAttributes */
    ok = QueryWorkingSetEx(GetCurrentProcess(), &page, sizeof page);
    if (ok) {
        view->valid = (int)page.VirtualAttributes.Valid;
        view->protection = (DWORD)page.VirtualAttributes.Win32Protection;
        view->shared = (int)page.VirtualAttributes.Shared;
    }
    return ok;
}

/* ------------------------------------------------------------------------------------ */
/* Step 1. Commit.                                                                      */
/* ------------------------------------------------------------------------------------ */

static void show_commit(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    page_view_t first_page;
    int64_t private_growth = 0;
    DWORD error = ERROR_SUCCESS;
    BOOL ok = FALSE;

    error = read_counters(&state->before);
    if (!wm_require(lesson, "GetProcessMemoryInfo and GetPerformanceInfo (before)", error)) {
        return;
    }
    state->block = (unsigned char *)VirtualAlloc(NULL,            /* anywhere */
                                                 COUNTED_BYTES,   /* 64 MiB */
                                                 MEM_RESERVE |    /* address space, and */
                                                     MEM_COMMIT,  /* the commit charge now */
                                                 PAGE_READWRITE); /* plain data */
    if (!wm_require_win32(lesson, "VirtualAlloc(MEM_RESERVE | MEM_COMMIT, 64 MiB)",
                          state->block != NULL)) {
        return;
    }
    error = read_counters(&state->committed);
    if (!wm_require(lesson, "GetProcessMemoryInfo and GetPerformanceInfo (committed)", error)) {
        return;
    }
    ok = query_page(state->block, &first_page);
    if (!wm_require_win32(lesson, "QueryWorkingSetEx (the block's first page)", ok)) {
        return;
    }
    value_counters(lesson, "before", &state->before);
    value_counters(lesson, "committed", &state->committed);
    value_system_commit(lesson, &state->before, &state->committed);
    wm_value_count(lesson, "first page Valid (resident) before any touch",
                   (uint64_t)first_page.valid, NULL);
    private_growth = (int64_t)state->committed.process.PrivateUsage -
                     (int64_t)state->before.process.PrivateUsage;
    /* PrivateUsage is this process's commit charge ("PROCESS_MEMORY_COUNTERS_EX" on
     * Microsoft Learn); only this process moves it. */
    wm_claim_or_deviation(lesson, "diag.commit-charges-private",
                          "Committing 64 MiB raises this process's private bytes (its commit "
                          "charge) by about 64 MiB, before any touch.",
                          private_filled(&state->before, &state->committed) &&
                              private_growth >= (int64_t)(COUNTED_BYTES - NOISE_BYTES),
                          !private_filled(&state->before, &state->committed),
                          &PRIVATE_USAGE_UNFILLED);
    wm_claim(lesson, "diag.commit-not-resident",
             "A committed page that nothing touched is not in the working set (not Valid).",
             first_page.valid == 0);
    wm_claim(lesson, "diag.perf-page-size",
             "GetPerformanceInfo reports a commit limit and counts in pages of the system's "
             "page size.",
             state->committed.performance.CommitLimit > 0 &&
                 state->committed.performance.PageSize == state->system.dwPageSize);
}

/* ------------------------------------------------------------------------------------ */
/* Step 2. Touch.                                                                       */
/* ------------------------------------------------------------------------------------ */

static void show_touch(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    page_view_t first_page;
    SIZE_T page_size = state->system.dwPageSize;
    SIZE_T pages = COUNTED_BYTES / page_size;
    SIZE_T offset = 0;
    SIZE_T growth = 0;
    DWORD faults = 0;
    DWORD error = ERROR_SUCCESS;
    BOOL ok = FALSE;

    /* The lesson: one write per page, each the page's first touch. */
    for (offset = 0; offset < COUNTED_BYTES; offset += page_size) {
        state->block[offset] = 1;
    }
    error = read_counters(&state->touched);
    if (!wm_require(lesson, "GetProcessMemoryInfo (touched)", error)) {
        return;
    }
    ok = query_page(state->block, &first_page);
    if (!wm_require_win32(lesson, "QueryWorkingSetEx (the block's first page)", ok)) {
        return;
    }
    value_counters(lesson, "touched", &state->touched);
    growth = state->touched.process.WorkingSetSize > state->committed.process.WorkingSetSize
                 ? state->touched.process.WorkingSetSize - state->committed.process.WorkingSetSize
                 : 0;
    faults = state->touched.process.PageFaultCount - state->committed.process.PageFaultCount;
    wm_value_bytes(lesson, "working set growth", growth);
    wm_value_count(lesson, "page faults during the touch", faults, NULL);
    wm_value_hex(lesson, "first page Win32Protection", first_page.protection,
                 wm_protect_name(first_page.protection));
    wm_claim(lesson, "diag.touch-grows-working-set",
             "Touching the committed pages grows the working set by about the bytes touched.",
             growth >= (SIZE_T)COUNTED_BYTES / 100u * RESIDENT_SHARE_PERCENT);
    /* The first touch of a committed page is a (demand-zero) page fault. A count still 0
     * after 16,384 first touches counts nothing. */
    wm_claim_or_deviation(
        lesson, "diag.touch-page-faults",
        "Touching each page costs a page fault: faults rose by the pages.", faults >= (DWORD)pages,
        state->before.process.PageFaultCount == 0 && state->touched.process.PageFaultCount == 0,
        &PAGE_FAULTS_UNCOUNTED);
    wm_claim(lesson, "diag.touched-page-valid",
             "A touched page is Valid in the working set, PAGE_READWRITE, not shared.",
             first_page.valid && first_page.protection == PAGE_READWRITE && !first_page.shared);
}

/* ------------------------------------------------------------------------------------ */
/* Step 3. Trim, and list the working set.                                              */
/* ------------------------------------------------------------------------------------ */

static void show_trim(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    page_view_t first_page;
    PSAPI_WORKING_SET_INFORMATION too_small;
    DWORD room = (DWORD)offsetof(PSAPI_WORKING_SET_INFORMATION, WorkingSetInfo) +
                 TOO_SMALL_ENTRIES * (DWORD)sizeof(PSAPI_WORKING_SET_BLOCK);
    DWORD error = ERROR_SUCCESS;
    BOOL ok = FALSE;
    BOOL listed = FALSE;

    /* EmptyWorkingSet removes as many pages as it can ("EmptyWorkingSet" on Microsoft
     * Learn); a page nothing touches again stays out. */
    ok = EmptyWorkingSet(GetCurrentProcess());
    if (!wm_require_win32(lesson, "EmptyWorkingSet", ok)) {
        return;
    }
    ok = query_page(state->block, &first_page);
    if (!wm_require_win32(lesson, "QueryWorkingSetEx (the block's first page)", ok)) {
        return;
    }
    wm_value_count(lesson, "first page Valid after EmptyWorkingSet", (uint64_t)first_page.valid,
                   NULL);
    wm_claim_or_deviation(lesson, "diag.empty-trims",
                          "EmptyWorkingSet trims the touched page: it is no longer Valid.",
                          first_page.valid == 0, first_page.valid != 0, &EMPTY_WORKING_SET_NOOP);

    /* QueryWorkingSet lists every resident page; with too little room it fails and says how
     * many entries there are ("QueryWorkingSet" on Microsoft Learn). */
    memset(&too_small, 0, sizeof too_small);
    listed = QueryWorkingSet(GetCurrentProcess(), &too_small, room); /* room for one entry */
    error = listed ? ERROR_SUCCESS : GetLastError();
    value_error(lesson, "QueryWorkingSet with room for one entry", error);
    wm_value_count(lesson, "entries it says it needs", too_small.NumberOfEntries, "pages");
    wm_claim_or_deviation(lesson, "diag.ws-bad-length",
                          "QueryWorkingSet with too small a buffer fails with ERROR_BAD_LENGTH "
                          "and says how many entries it needs.",
                          !listed && error == ERROR_BAD_LENGTH && too_small.NumberOfEntries > 1,
                          !listed && error == ERROR_INVALID_PARAMETER &&
                              too_small.NumberOfEntries == 0,
                          &QUERY_WORKING_SET_UNSUPPORTED);
}

/* ------------------------------------------------------------------------------------ */
/* Step 4. Free.                                                                        */
/* ------------------------------------------------------------------------------------ */

static void show_free(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    counters_t freed;
    int64_t private_drop = 0;
    DWORD error = ERROR_SUCCESS;
    BOOL ok = FALSE;

    ok = VirtualFree(state->block, 0, /* size 0: the whole allocation, as VirtualAlloc made it */
                     MEM_RELEASE);    /* decommit and release: the charge goes back */
    if (!wm_require_win32(lesson, "VirtualFree(MEM_RELEASE)", ok)) {
        return;
    }
    state->block = NULL;
    error = read_counters(&freed);
    if (!wm_require(lesson, "GetProcessMemoryInfo (freed)", error)) {
        return;
    }
    value_counters(lesson, "freed", &freed);
    private_drop =
        (int64_t)state->touched.process.PrivateUsage - (int64_t)freed.process.PrivateUsage;
    wm_claim_or_deviation(lesson, "diag.free-returns-charge",
                          "Freeing gives the commit charge back: private bytes fall by about "
                          "64 MiB.",
                          private_filled(&state->touched, &freed) &&
                              private_drop >= (int64_t)(COUNTED_BYTES - NOISE_BYTES),
                          !private_filled(&state->touched, &freed), &PRIVATE_USAGE_UNFILLED);
}

/* ------------------------------------------------------------------------------------ */
/* Step 5. The map of this process.                                                     */
/* ------------------------------------------------------------------------------------ */

/* Finds the region holding address, shows it as a value "TYPE at BASE NAME" and returns
 * it, or NULL (shown as the error) when no region holds it. */
static const wm_map_region_t *show_region(wm_lesson_t *lesson, const wm_map_t *map,
                                          const char *what, const void *address)
{
    const wm_map_region_t *region = NULL;
    char text[WM_MAP_NAME_CAPACITY + 48];
    DWORD error = ERROR_SUCCESS;

    error = wm_map_find(map, (uintptr_t)address, &region);
    if (error != ERROR_SUCCESS) {
        value_error(lesson, what, error);
        return NULL;
    }
    snprintf(text, sizeof text, "%s at 0x%016llx %s", wm_map_type_name(region->type),
             (unsigned long long)region->allocation_base, region->name);
    wm_value_text(lesson, what, text);
    return region;
}

/* The map's totals by type as values; returns their sum. */
static ULONGLONG value_totals(wm_lesson_t *lesson, const wm_map_t *map)
{
    ULONGLONG sum = 0;
    unsigned type = 0;

    for (type = 0; type < WM_MAP_TYPE_COUNT; type++) {
        wm_value_bytes(lesson, wm_map_type_name((wm_map_type_t)type), map->totals[type].size);
        sum += map->totals[type].size;
    }
    wm_value_count(lesson, "regions", map->count, NULL);
    wm_value_bytes(lesson, "largest free block", map->largest_free);
    return sum;
}

static void show_map(wm_lesson_t *lesson, void *context)
{
    wm_map_t map;
    const wm_map_region_t *exe = NULL;
    const wm_map_region_t *kernel32 = NULL;
    const wm_map_region_t *heap = NULL;
    const wm_map_region_t *stack = NULL;
    HMODULE exe_module = NULL;
    HMODULE kernel32_module = NULL;
    HANDLE process_heap = NULL;
    ULONGLONG sum = 0;
    DWORD error = ERROR_SUCCESS;
    int local = 0;

    (void)context;
    memset(&map, 0, sizeof map);
    error = wm_map_take(GetCurrentProcess(), &map); /* VirtualQueryEx over the whole range */
    if (!wm_require(lesson, "wm_map_take (VirtualQueryEx over the address space)", error)) {
        return;
    }
    sum = value_totals(lesson, &map);
    exe_module = GetModuleHandleW(NULL);                 /* this .exe; no reference taken */
    kernel32_module = GetModuleHandleW(L"kernel32.dll"); /* loaded in every process */
    process_heap = GetProcessHeap();                     /* cannot fail */
    exe = show_region(lesson, &map, "this .exe", exe_module);
    kernel32 = show_region(lesson, &map, "kernel32.dll", kernel32_module);
    heap = show_region(lesson, &map, "the process heap", process_heap);
    stack = show_region(lesson, &map, "this thread's stack", &local);
    wm_claim(lesson, "diag.map-covers-range",
             "VirtualQueryEx's regions, sorted into types, add up to the whole application "
             "address range.",
             sum == (ULONGLONG)(map.end - map.start));
    wm_claim(lesson, "diag.map-exe-image", "The executable is an Image, named by its path.",
             exe != NULL && exe->type == WM_MAP_IMAGE && strstr(exe->name, "diagnostics") != NULL);
    wm_claim(lesson, "diag.map-dll-image", "kernel32.dll is an Image too.",
             kernel32 != NULL && kernel32->type == WM_MAP_IMAGE);
    wm_claim(lesson, "diag.map-heap", "The process heap's memory is typed Heap.",
             heap != NULL && heap->type == WM_MAP_HEAP);
    wm_claim(lesson, "diag.map-stack", "A local variable lives in a region typed Stack.",
             stack != NULL && stack->type == WM_MAP_STACK);
    error = wm_map_free(&map);
    (void)wm_require(lesson, "wm_map_free", error);
}

/* ------------------------------------------------------------------------------------ */
/* Step 6. Names, and the tool from outside.                                            */
/* ------------------------------------------------------------------------------------ */

/* Runs memory-map.exe --json --pid OUR_PID. *exit_code is its exit code; output its JSON. */
static DWORD run_tool_on_ourselves(wm_output_t *output, DWORD *exit_code)
{
    wchar_t tool[MAX_PATH];
    wchar_t arguments[64];
    DWORD error = ERROR_SUCCESS;

    error = wm_process_sibling_path(L"memory-map.exe", tool, MAX_PATH);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    swprintf(arguments, sizeof arguments / sizeof arguments[0], L"--json --pid %lu",
             (unsigned long)GetCurrentProcessId());
    return wm_process_run(tool, arguments, wm_output_collect, output, exit_code);
}

static void show_names_and_tool(wm_lesson_t *lesson, void *context)
{
    wchar_t device_name[MAX_PATH];
    char device_utf8[MAX_PATH * 3];
    char expected[64];
    wm_output_t output;
    HMODULE exe_module = GetModuleHandleW(NULL); /* this .exe; no reference taken */
    DWORD length = 0;
    DWORD exit_code = 0;
    DWORD error = ERROR_SUCCESS;

    (void)context;
    /* GetMappedFileNameW names the file behind any mapped address, the .exe's image too. */
    length = GetMappedFileNameW(GetCurrentProcess(), /* any process with query rights */
                                (LPVOID)exe_module, device_name, MAX_PATH);
    if (!wm_require_win32(lesson, "GetMappedFileNameW (this .exe)", length != 0)) {
        return;
    }
    device_name[length < MAX_PATH ? length : MAX_PATH - 1] = L'\0';
    (void)wm_utf8_from_wide(device_name, device_utf8, sizeof device_utf8);
    wm_value_text(lesson, "GetMappedFileNameW (this .exe)", device_utf8);
    wm_claim_or_deviation(lesson, "diag.mapped-name-device",
                          "GetMappedFileNameW gives the device form, "
                          "\\Device\\HarddiskVolumeN\\..., not a drive letter.",
                          wcsncmp(device_name, L"\\Device\\", 8) == 0,
                          wcsncmp(device_name, L"\\??\\", 4) == 0, &MAPPED_NAME_DOS_FORM);

    memset(&output, 0, sizeof output);
    error = run_tool_on_ourselves(&output, &exit_code);
    if (!wm_require(lesson, "memory-map --json --pid (this process), run as a child", error)) {
        return;
    }
    snprintf(expected, sizeof expected, "\"pid\":%lu,", (unsigned long)GetCurrentProcessId());
    wm_value_count(lesson, "memory-map exit code", exit_code, NULL);
    wm_claim(lesson, "diag.tool-by-pid",
             "memory-map opened this process by its PID with query and read rights only, and "
             "mapped it.",
             exit_code == WM_EXIT_OK && strstr(output.text, expected) != NULL);
}

/* ------------------------------------------------------------------------------------ */
/* Step 7. A heap leak, found with snapshots.                                           */
/* ------------------------------------------------------------------------------------ */

/* The leaky routine: allocates LEAK_BLOCKS blocks and frees all but the forgotten ones,
 * which it stores in leaked[] (the bug: nobody frees them). Returns the first error. */
static DWORD leaky_routine(HANDLE heap, void **leaked)
{
    void *blocks[LEAK_BLOCKS] = {NULL, NULL, NULL, NULL, NULL};
    SIZE_T index = 0;
    SIZE_T kept = 0;
    BOOL freed = FALSE;

    for (index = 0; index < LEAK_BLOCKS; index++) {
        blocks[index] = HeapAlloc(heap, 0, /* no flags: the heap's own serialization */
                                  leak_sizes[index]);
        if (blocks[index] == NULL) {
            return ERROR_NOT_ENOUGH_MEMORY; /* HeapAlloc sets no last error */
        }
    }
    for (index = 0; index < LEAK_BLOCKS; index++) {
        if (leak_forgotten[index]) {
            leaked[kept] = blocks[index]; /* forgotten: still allocated */
            kept++;
            continue;
        }
        freed = HeapFree(heap, 0, blocks[index]);
        if (!freed) {
            return GetLastError();
        }
    }
    return ERROR_SUCCESS;
}

static void show_heap_leak(wm_lesson_t *lesson, void *context)
{
    wm_heap_snapshot_t before;
    wm_heap_snapshot_t after;
    wm_heap_snapshot_t appeared;
    void *leaked[LEAKED_BLOCKS] = {NULL, NULL};
    HANDLE heap = NULL;
    ULONGLONG appeared_bytes = 0;
    SIZE_T index = 0;
    DWORD error = ERROR_SUCCESS;
    BOOL ok = FALSE;

    (void)context;
    memset(&before, 0, sizeof before);
    memset(&after, 0, sizeof after);
    memset(&appeared, 0, sizeof appeared);
    heap = HeapCreate(0,  /* no options: serialized, not executable */
                      0,  /* initial size: one page */
                      0); /* growable: only the routine uses it */
    if (!wm_require_win32(lesson, "HeapCreate", heap != NULL)) {
        return;
    }
    error = wm_heap_snapshot_take(heap, &before); /* HeapWalk: every busy block */
    if (error == ERROR_SUCCESS) {
        error = leaky_routine(heap, leaked);
    }
    if (error == ERROR_SUCCESS) {
        error = wm_heap_snapshot_take(heap, &after);
    }
    if (error == ERROR_SUCCESS) {
        error = wm_heap_snapshot_diff(&before, &after, &appeared);
    }
    if (wm_require(lesson, "heap snapshot, leaky routine, snapshot, diff", error)) {
        for (index = 0; index < appeared.count; index++) {
            char name[64];

            snprintf(name, sizeof name, "leaked block %zu at 0x%016llx", index + 1,
                     (unsigned long long)appeared.blocks[index].address);
            wm_value_bytes(lesson, name, appeared.blocks[index].size);
            appeared_bytes += appeared.blocks[index].size;
        }
        wm_claim(lesson, "diag.heap-diff-leak",
                 "The heap diff lists exactly the two forgotten blocks, 1048 bytes.",
                 appeared.count == LEAKED_BLOCKS && appeared_bytes == LEAKED_BYTES);
    }
    (void)wm_heap_snapshot_free(&appeared); /* zeroed snapshots are fine too */
    (void)wm_heap_snapshot_free(&after);
    (void)wm_heap_snapshot_free(&before);
    ok = HeapDestroy(heap); /* takes the leaked blocks along */
    (void)wm_require_win32(lesson, "HeapDestroy (frees the leaked blocks with the heap)", ok);
}

/* ------------------------------------------------------------------------------------ */
/* Step 8. A VirtualAlloc leak, found with two maps.                                    */
/* ------------------------------------------------------------------------------------ */

/* wm_map_diff visitor: finds the leaked region among the changes. */
typedef struct leak_search_s
{
    uintptr_t leaked; /* the leaked region's base */
    int found;        /* 1 when it appeared, as Private Data with its size */
    SIZE_T other;     /* changes that are not the leak (other threads, heaps growing) */
} leak_search_t;

static int find_leak(void *context, wm_map_change_t change, const wm_map_region_t *before,
                     const wm_map_region_t *after)
{
    leak_search_t *search = (leak_search_t *)context;

    (void)before;
    if (change == WM_MAP_APPEARED && after->allocation_base == search->leaked &&
        after->type == WM_MAP_PRIVATE && after->size == LEAKED_REGION_BYTES) {
        search->found = 1;
        return 0;
    }
    search->other++;
    return 0;
}

static void show_region_leak(wm_lesson_t *lesson, void *context)
{
    wm_map_t map_before;
    wm_map_t map_after;
    leak_search_t search;
    void *leaked_region = NULL;
    SIZE_T changes = 0;
    DWORD error = ERROR_SUCCESS;
    BOOL ok = FALSE;

    (void)context;
    memset(&search, 0, sizeof search);
    memset(&map_before, 0, sizeof map_before);
    memset(&map_after, 0, sizeof map_after);
    /* Nothing is printed between the two maps: printing may grow the C runtime's heap. */
    error = wm_map_take(GetCurrentProcess(), &map_before);
    if (!wm_require(lesson, "wm_map_take (before)", error)) {
        return;
    }
    leaked_region = VirtualAlloc(NULL, LEAKED_REGION_BYTES, /* anywhere, 256 KiB */
                                 MEM_RESERVE | MEM_COMMIT,  /* the leak: never freed */
                                 PAGE_READWRITE);           /* plain data */
    if (wm_require_win32(lesson, "VirtualAlloc (the leak)", leaked_region != NULL)) {
        error = wm_map_take(GetCurrentProcess(), &map_after);
        search.leaked = (uintptr_t)leaked_region;
        if (wm_require(lesson, "wm_map_take (after)", error)) {
            error = wm_map_diff(&map_before, &map_after, find_leak, &search, &changes);
        }
        if (wm_require(lesson, "wm_map_diff", error)) {
            wm_value_address(lesson, "leaked VirtualAlloc region", (uintptr_t)leaked_region);
            wm_value_count(lesson, "other changes (heaps growing, threads ending)", search.other,
                           NULL);
            wm_claim(lesson, "diag.map-diff-leak",
                     "The map diff shows the leaked 256 KiB region, as Private Data.",
                     search.found);
        }
        ok = VirtualFree(leaked_region, 0, MEM_RELEASE); /* the lesson cleans up its leak */
        (void)wm_require_win32(lesson, "VirtualFree(MEM_RELEASE) of the leaked region", ok);
    }
    (void)wm_map_free(&map_after); /* a zeroed map is fine too */
    (void)wm_map_free(&map_before);
}

/* ------------------------------------------------------------------------------------ */
/* Step 9. Out of memory, on purpose, in a job.                                         */
/* ------------------------------------------------------------------------------------ */

/* The child mode "allocate": commits CHILD_ASKS_BYTES and exits CHILD_ALLOCATED, or with
 * VirtualAlloc's error. Its report is its exit code; it prints nothing. */
static int run_allocate_child(void *context)
{
    void *block = NULL;
    DWORD error = ERROR_SUCCESS;

    (void)context;
    block = VirtualAlloc(NULL, CHILD_ASKS_BYTES, MEM_RESERVE | MEM_COMMIT, /* charge it all */
                         PAGE_READWRITE);                                  /* plain data */
    if (block == NULL) {
        error = GetLastError();
        return (int)error; /* a clean refusal: the error, not a crash */
    }
    (void)VirtualFree(block, 0, MEM_RELEASE); /* size 0: the whole reservation */
    return (int)CHILD_ALLOCATED;
}

/* Starts this program with --child=allocate, suspended, puts it in job, lets it run, and
 * waits for its exit code. Returns ERROR_SUCCESS or the first error. */
static DWORD run_child_in_job(HANDLE job, DWORD *exit_code)
{
    STARTUPINFOW startup;
    PROCESS_INFORMATION child;
    wchar_t self[MAX_PATH];
    wchar_t command_line[MAX_PATH + 64];
    DWORD error = ERROR_SUCCESS;
    DWORD resumed = 0;
    DWORD waited = 0;
    BOOL done = FALSE;

    memset(&child, 0, sizeof child);
    memset(&startup, 0, sizeof startup);
    startup.cb = sizeof startup;
    error = wm_process_self_path(self, MAX_PATH);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    swprintf(command_line, sizeof command_line / sizeof command_line[0],
             L"\"%ls\" --child=allocate", self);
    done = CreateProcessW(self, command_line, NULL, NULL, FALSE, /* inherits no handles */
                          CREATE_SUSPENDED, /* it cannot allocate before it is in the job */
                          NULL, NULL, &startup, &child);
    if (!done) {
        return GetLastError();
    }
    done = AssignProcessToJobObject(job, child.hProcess);
    if (!done) {
        error = GetLastError();
        (void)TerminateProcess(child.hProcess, ERROR_CANCELLED); /* never ran */
        goto cleanup;
    }
    resumed = ResumeThread(child.hThread); /* the previous suspend count, or -1 */
    if (resumed == (DWORD)-1) {
        error = GetLastError();
        (void)TerminateProcess(child.hProcess, ERROR_CANCELLED);
        goto cleanup;
    }
    /* It ends by itself; a child that does not is ended, never waited for for ever. */
    waited = WaitForSingleObject(child.hProcess, WM_CHILD_TIME_LIMIT_MS);
    if (waited != WAIT_OBJECT_0) {
        error = waited == WAIT_TIMEOUT ? ERROR_TIMEOUT : GetLastError();
        (void)TerminateProcess(child.hProcess, WAIT_TIMEOUT);
        goto cleanup;
    }
    done = GetExitCodeProcess(child.hProcess, exit_code);
    if (!done) {
        error = GetLastError();
    }

cleanup:
    (void)CloseHandle(child.hThread);
    (void)CloseHandle(child.hProcess);
    return error;
}

static void show_job_limit(wm_lesson_t *lesson, void *context)
{
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits;
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION read_back;
    HANDLE job = NULL;
    DWORD exit_code = 0;
    DWORD error = ERROR_SUCCESS;
    BOOL set = FALSE;
    BOOL ok = FALSE;

    (void)context;
    job = CreateJobObjectW(NULL, NULL); /* default security, unnamed */
    if (!wm_require_win32(lesson, "CreateJobObjectW", job != NULL)) {
        return;
    }
    memset(&limits, 0, sizeof limits);
    /* ProcessMemoryLimit counts only when LimitFlags has JOB_OBJECT_LIMIT_PROCESS_MEMORY
     * ("JOBOBJECT_EXTENDED_LIMIT_INFORMATION" on Microsoft Learn). */
    limits.BasicLimitInformation.LimitFlags =
        JOB_OBJECT_LIMIT_PROCESS_MEMORY |   /* cap each process's commit */
        JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE; /* if the lesson dies, its child goes too */
    limits.ProcessMemoryLimit = JOB_LIMIT_BYTES;
    set = SetInformationJobObject(job, JobObjectExtendedLimitInformation, &limits, sizeof limits);
    if (wm_require_win32(lesson, "SetInformationJobObject(JOB_OBJECT_LIMIT_PROCESS_MEMORY)", set)) {
        memset(&read_back, 0, sizeof read_back);
        ok = QueryInformationJobObject(job, JobObjectExtendedLimitInformation, &read_back,
                                       sizeof read_back, NULL); /* no length wanted */
        wm_value_bytes(lesson, "ProcessMemoryLimit read back", read_back.ProcessMemoryLimit);
        wm_claim_or_deviation(lesson, "diag.job-limit-reads-back",
                              "QueryInformationJobObject reads the 32 MiB limit back.",
                              ok && read_back.ProcessMemoryLimit == JOB_LIMIT_BYTES,
                              ok && read_back.ProcessMemoryLimit == 0,
                              &JOB_MEMORY_LIMIT_NOT_STORED);
        error = run_child_in_job(job, &exit_code);
    }
    if (set && wm_require(lesson, "the child, started suspended, put in the job, resumed", error)) {
        value_error(lesson, "the child's VirtualAlloc(64 MiB) result", exit_code);
        wm_claim_or_deviation(lesson, "diag.job-commit-refused",
                              "The child's 64 MiB commit is refused with an error code, and "
                              "the child ends normally instead of crashing.",
                              exit_code != CHILD_ALLOCATED && exit_code < 0xC0000000u,
                              exit_code == CHILD_ALLOCATED, &JOB_MEMORY_LIMIT_NOT_ENFORCED);
    }
    ok = CloseHandle(job);
    (void)wm_require_win32(lesson, "CloseHandle (the job)", ok);
}

/* ------------------------------------------------------------------------------------ */
/* Step 10. The tool guide.                                                             */
/* ------------------------------------------------------------------------------------ */

/* One tool: what it shows, the call in this suite that shows the same number, how to use
 * it on a lesson run with --pause. */
typedef struct tool_row_s
{
    const char *tool;
    const char *shows;
    const char *same_as;
    const char *how;
} tool_row_t;

static const tool_row_t tool_guide[] = {
    {"Task Manager", "Details tab: Memory (private working set), Commit size",
     "GetProcessMemoryInfo: WorkingSetSize, PrivateUsage",
     "add the Commit size column; find the PID the lesson prints"},
    {"Resource Monitor", "Memory tab: Commit, Working Set, Shareable, Private; hard faults/sec",
     "GetProcessMemoryInfo; GetPerformanceInfo", "filter on the lesson's process"},
    {"Performance Monitor",
     "Process: Private Bytes, Working Set, Page Faults/sec; Memory: Committed Bytes, Commit "
     "Limit",
     "PrivateUsage, WorkingSetSize, PageFaultCount; GetPerformanceInfo CommitTotal, CommitLimit",
     "add the counters for the lesson's process before step 1"},
    {"VMMap", "every region by type, committed, private, working set; snapshot diffs",
     "wm_map_take, wm_map_diff (the memory-map tool)",
     "File > Select Process at each pause; F5 refreshes, Ctrl+T timeline"},
    {"RAMMap", "physical memory use by kind: process private, mapped file, page table...",
     "GlobalMemoryStatusEx (totals only)", "run as administrator; Use Counts tab"},
    {"Process Explorer", "per-process private bytes, working set, virtual size; DLL view",
     "GetProcessMemoryInfo; wm_map_take images", "double-click the process: Performance tab"},
    {"WinDbg", "!address (the map), !address -summary (totals by type), !heap -s, !vprot ADDR",
     "wm_map_take; wm_heap_walk; wm_space_query", "attach at a pause (F6), then !address -summary"},
    {"UMDH", "heap allocations by call stack, and the diff of two logs",
     "wm_heap_snapshot_take, wm_heap_snapshot_diff",
     "gflags /i diagnostics.exe +ust; umdh -pn:diagnostics.exe -f:a.log at two pauses"},
    {"Application Verifier, page heap (gflags)",
     "heap corruption at the faulting instruction: each block at a page end",
     "wm_fence_* (the protection lesson's fenced blocks)",
     "gflags /p /enable diagnostics.exe /full; run under WinDbg"},
    {"WPR / WPA", "traces: VirtualAlloc, heap, page faults over time, by stack",
     "the counters of steps 1-4, over time",
     "wpr -start VirtualAllocation -start Heap; run; wpr -stop"},
    {"CRT debug heap", "leaks at exit with the allocation number; overruns in debug builds",
     "wm_heap_snapshot_diff (the same idea, on any heap)",
     "MSVC debug build: _CrtSetDbgFlag(_CRTDBG_LEAK_CHECK_DF | _CRTDBG_ALLOC_MEM_DF)"},
};

static void show_tool_guide(wm_lesson_t *lesson, void *context)
{
    PROCESS_MEMORY_COUNTERS_EX counters;
    HMODULE exe_module = NULL;
    HANDLE process_heap = NULL;
    size_t index = 0;
    BOOL ok = FALSE;
    int local = 0;

    (void)context;
    for (index = 0; index < sizeof tool_guide / sizeof tool_guide[0]; index++) {
        wm_note(lesson, "%s: shows %s. Same number here: %s. How: %s.", tool_guide[index].tool,
                tool_guide[index].shows, tool_guide[index].same_as, tool_guide[index].how);
    }
    exe_module = GetModuleHandleW(NULL); /* this .exe; no reference taken */
    process_heap = GetProcessHeap();     /* cannot fail */
    wm_value_count(lesson, "this process's ID", GetCurrentProcessId(), NULL);
    wm_value_address(lesson, "this .exe's image (WinDbg: !address on it)", (uintptr_t)exe_module);
    wm_value_address(lesson, "the process heap (WinDbg: !heap -s lists it)",
                     (uintptr_t)process_heap);
    wm_value_address(lesson, "a stack address (WinDbg: !vprot on it)", (uintptr_t)&local);

    memset(&counters, 0, sizeof counters);
    counters.PrivateUsage = UNWRITTEN; /* to see whether the call fills it */
    ok = GetProcessMemoryInfo(GetCurrentProcess(), (PROCESS_MEMORY_COUNTERS *)&counters,
                              sizeof counters); /* the _EX size: adds PrivateUsage */
    if (!wm_require_win32(lesson, "GetProcessMemoryInfo", ok)) {
        return;
    }
    if (counters.PrivateUsage == UNWRITTEN) {
        wm_value_text(lesson, "Private Bytes (PrivateUsage)", "not filled in");
    } else {
        wm_value_bytes(lesson, "Private Bytes (PrivateUsage)", counters.PrivateUsage);
    }
    wm_value_bytes(lesson, "Commit size (PagefileUsage)", counters.PagefileUsage);
    /* Since Windows 8 both fields hold the commit charge ("PROCESS_MEMORY_COUNTERS_EX" on
     * Microsoft Learn): Performance Monitor's Private Bytes and Task Manager's Commit size
     * are one number. */
    wm_claim_or_deviation(lesson, "diag.private-is-pagefile-usage",
                          "Private Bytes and Commit size are the same number, and not zero.",
                          counters.PrivateUsage == counters.PagefileUsage &&
                              counters.PrivateUsage > 0,
                          counters.PrivateUsage == UNWRITTEN, &PRIVATE_USAGE_UNFILLED);
}

/* ------------------------------------------------------------------------------------ */
/* The lesson as a table: its steps and its child mode.                                 */
/* ------------------------------------------------------------------------------------ */

/* Before the first step: the page size, which step 2 steps by. */
static void read_the_system(void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;

    GetSystemInfo(&state->system); /* cannot fail */
}

static const wm_lesson_step_t steps[] = {
    {"Counters: commit",
     "GetProcessMemoryInfo gives the numbers Task Manager and Performance Monitor show for a "
     "process: the working set (its pages in RAM), private bytes (its commit charge) and page "
     "faults. Committing 64 MiB charges it at once but uses no RAM: QueryWorkingSetEx says, "
     "page by page, what is resident. GetPerformanceInfo shows the system's total, which "
     "every process moves.",
     show_commit},
    {"Counters: touch",
     "Writing one byte to each page brings the pages into the working set, one page fault "
     "each.",
     show_touch},
    {"Counters: trim, and list the working set",
     "EmptyWorkingSet takes the pages out of the working set again (they stay committed); "
     "QueryWorkingSet lists the pages that are in it.",
     show_trim},
    {"Counters: free", "VirtualFree(MEM_RELEASE) gives the commit charge back.", show_free},
    {"The map of this process",
     "VMMap sorts every region of the address space by what it is for: Image (the .exe and "
     "DLLs), Mapped File, Shareable (page-file-backed sections), Heap, Stack, Private Data "
     "(VirtualAlloc and the rest), Unusable (the tail of a 64 KiB allocation unit that a "
     "smaller allocation left), and Free. VirtualQueryEx gives each region's state, "
     "protection and type; the process's heaps and its thread's stack are found from inside.",
     show_map},
    {"Names, and the map from outside",
     "GetMappedFileNameW names the file behind a mapped address. The memory-map tool prints "
     "the map of any process it may open: here it maps this one, by its PID.",
     show_names_and_tool},
    {"A heap leak, found with snapshots",
     "UMDH and WinDbg's !heap find leaks the same way: record the busy blocks, run the "
     "suspect code, record again, and list the blocks that appeared. Here a routine "
     "allocates five blocks and forgets two.",
     show_heap_leak},
    {"A VirtualAlloc leak, found with two maps",
     "Memory taken with VirtualAlloc never shows in a heap: VMMap's snapshot diff finds it, by "
     "comparing two maps of the address space.",
     show_region_leak},
    {"Out of memory, on purpose, in a job object",
     "A job object can cap how much each of its processes may commit "
     "(JOB_OBJECT_LIMIT_PROCESS_MEMORY). A process that asks for more gets a failed "
     "VirtualAlloc, an error it can handle. The lesson starts a copy of itself suspended, "
     "puts it in a job limited to 32 MiB, and lets it ask for 64 MiB.",
     show_job_limit},
    {"The tool guide",
     "Each tool below shows numbers this lesson reads with one call. To watch a lesson in one "
     "of them, run it with --pause: before each step it prints its PID and waits for Enter. "
     "docs/diagnostics.md has this table with the details.",
     show_tool_guide},
};

static const wm_lesson_child_t children[] = {
    {"allocate", run_allocate_child}, /* step 9 */
};

static const wm_lesson_spec_t lesson = {
    LESSON_NAME,
    LESSON_TITLE,
    steps,
    sizeof steps / sizeof steps[0],
    NULL, /* no options of its own */
    0,
    children,
    sizeof children / sizeof children[0],
    sizeof(lesson_state_t),
    read_the_system, /* the state starts zeroed, then the page size */
    NULL,
    NULL, /* nothing this lesson needs can be missing */
};

int wmain(int argc, wchar_t **argv)
{
    return wm_lesson_main(&lesson, argc, argv);
}
