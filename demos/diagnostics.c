/*
 * diagnostics.c - lesson: the memory APIs and tools that diagnose a process's memory.
 *
 * "Beyond the core allocation functions, Windows provides a rich set of APIs and tools for
 * diagnosing and optimizing memory usage." (Seed document.)
 *
 * What you will see when you run it:
 *   1. Counters: the working set, private bytes, page faults and the system's commit charge
 *      before and after committing, touching and freeing memory; QueryWorkingSetEx's
 *      per-page view of the same pages; QueryWorkingSet.
 *   2. The map of this process, classified as VMMap does: where the executable, the DLLs,
 *      the heaps and the stack are; the memory-map tool run on this process by its PID.
 *   3. A leak found twice: a heap snapshot diff shows the leaked blocks and their sizes; an
 *      address-space map diff shows a leaked VirtualAlloc region.
 *   4. Out of memory on purpose: a child in a job object with a small memory limit; its
 *      allocation fails with a clean error instead of crashing (where the limit is enforced).
 *   5. The tool guide: Task Manager, Resource Monitor, Performance Monitor, VMMap, RAMMap,
 *      Process Explorer, WinDbg, UMDH, Application Verifier and page heap, WPR/WPA, the CRT
 *      debug heap: what each shows, and which call in this suite shows the same number.
 *
 * Run with --pause to stop before each step: the lesson prints its PID, and step 5 lists
 * the addresses worth looking at in VMMap or WinDbg.
 *
 * Run:  diagnostics [--json] [--pause]
 * Docs: docs/diagnostics.md
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
#include "wm_args.h"
#include "wm_console.h"
#include "wm_lesson.h"

#define DEMO_NAME "diagnostics"
#define DEMO_TITLE                                                                                 \
    "The numbers the diagnostic tools show come from a few APIs: read them yourself, map the "     \
    "address space like VMMap, find leaks by diffing snapshots."

#define STEP_COUNT 5

/* Step 1: bytes committed, touched and freed: big enough to stand out of the noise. */
#define COUNTED_BYTES (64u * 1024u * 1024u)

/* Step 1: a working set may be trimmed meanwhile; touching must show at least this share
 * of the touched bytes (in percent) to count as "grew by the touched bytes". */
#define RESIDENT_SHARE_PERCENT 90u

/* Step 1: QueryWorkingSet's buffer in the "too small" call: room for one entry (the size of
 * PSAPI_WORKING_SET_INFORMATION itself), where the process has hundreds of pages. */
#define TOO_SMALL_ENTRIES 1

/* Step 3: the leaky routine's heap blocks: five allocated, three freed, two forgotten. */
#define LEAK_BLOCKS 5
static const SIZE_T leak_sizes[LEAK_BLOCKS] = {48, 1000, 24, 4000, 96};
static const int leak_forgotten[LEAK_BLOCKS] = {1, 1, 0, 0, 0}; /* blocks 0 and 1 leak */
#define LEAKED_BLOCKS 2
#define LEAKED_BYTES (48u + 1000u)

/* Step 3: the leaked VirtualAlloc region. */
#define LEAKED_REGION_BYTES (256u * 1024u)

/* Step 4: the job's per-process commit limit, and what the child tries to commit. */
#define JOB_LIMIT_BYTES (32u * 1024u * 1024u)
#define CHILD_ASKS_BYTES (64u * 1024u * 1024u)

/* Step 4: the child's exit code when its allocation succeeded (else: the error code). */
#define CHILD_ALLOCATED 0u

/* Step 2: the memory-map output kept to look for our PID in. */
#define TOOL_OUTPUT_BYTES 4096u

/* The child modes, given with the hidden --child option. */
#define CHILD_ALLOCATE L"allocate" /* step 4: commit CHILD_ASKS_BYTES, exit with the result */

/* How Wine is recorded to differ (docs/deviations.md has the rows). Each claim that names
 * one checks its own observation of it: "this is Wine" alone never makes a verdict. */
static const wm_deviation_t PRIVATE_USAGE_UNFILLED = {
    "wine-private-usage-unfilled",
    "GetProcessMemoryInfo fills only the base PROCESS_MEMORY_COUNTERS and leaves "
    "PrivateUsage unwritten, so the commit charge reads 0 (the library zeroes the structure "
    "before the call)."};
static const wm_deviation_t PAGE_FAULTS_UNCOUNTED = {
    "wine-page-faults-uncounted",
    "GetProcessMemoryInfo's PageFaultCount is always 0: page faults are not counted."};
static const wm_deviation_t COMMIT_TOTAL_IGNORES_COMMIT = {
    "wine-commit-total-ignores-commit",
    "GetPerformanceInfo's CommitTotal is the host's memory in use, so committing memory does "
    "not change it (touching the pages does, as the host's counters catch up)."};
static const wm_deviation_t EMPTY_WORKING_SET_NOOP = {
    "wine-empty-working-set-noop",
    "EmptyWorkingSet returns TRUE and removes nothing: a touched page is still Valid after it."};
static const wm_deviation_t QUERY_WORKING_SET_UNSUPPORTED = {
    "wine-query-working-set-unsupported",
    "QueryWorkingSet fails with ERROR_INVALID_PARAMETER whatever the buffer, and says no "
    "count (the working-set list information class is not implemented)."};
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

/* What the command line asked for. */
typedef struct demo_config_s
{
    const wchar_t *mode; /* --child: run as one of the child modes; NULL = the lesson */
} demo_config_t;

/* ------------------------------------------------------------------------------------ */
/* Shared helpers.                                                                      */
/* ------------------------------------------------------------------------------------ */

/* An error code as a value: "8 Not enough memory." (the text differs between Windows and
 * Wine; claims compare codes only). */
static void value_error(wm_lesson_t *lesson, const char *name, DWORD error)
{
    char text[256];

    (void)wm_error_text(error, text, sizeof text);
    wm_value_text(lesson, name, text);
}

/* The four process counters this lesson follows, as values. */
static void value_counters(wm_lesson_t *lesson, const char *when,
                           const wm_process_counters_t *counters)
{
    char name[96];

    snprintf(name, sizeof name, "%s: working set", when);
    wm_value_bytes(lesson, name, counters->working_set);
    snprintf(name, sizeof name, "%s: peak working set", when);
    wm_value_bytes(lesson, name, counters->peak_working_set);
    snprintf(name, sizeof name, "%s: private bytes", when);
    wm_value_bytes(lesson, name, counters->private_bytes);
    snprintf(name, sizeof name, "%s: page-file usage", when);
    wm_value_bytes(lesson, name, counters->pagefile_usage);
    snprintf(name, sizeof name, "%s: page faults", when);
    wm_value_count(lesson, name, counters->page_faults, NULL);
}

/* ------------------------------------------------------------------------------------ */
/* Step 1. Counters.                                                                    */
/* ------------------------------------------------------------------------------------ */

/* Commits COUNTED_BYTES and reads the counters after each stage: committed, touched, freed. */
static void show_counters(wm_lesson_t *lesson, const wm_system_t *system)
{
    wm_process_counters_t before;
    wm_process_counters_t committed;
    wm_process_counters_t touched;
    wm_process_counters_t freed;
    wm_performance_t system_before;
    wm_performance_t system_committed;
    wm_performance_t system_touched;
    wm_memory_status_t status;
    wm_ws_page_t pages[2];
    PSAPI_WORKING_SET_INFORMATION too_small;
    unsigned char *block = NULL;
    SIZE_T offset = 0;
    SIZE_T touched_pages = COUNTED_BYTES / system->page_size;
    DWORD error = ERROR_SUCCESS;
    DWORD ws_error = ERROR_SUCCESS;
    DWORD empty_error = ERROR_SUCCESS;
    BOOL listed = FALSE;
    BOOL emptied = FALSE;
    int read_all = 1;
    int private_unwritten = 0;
    ULONGLONG commit_change = 0;

    wm_step(lesson, "Counters: commit, touch, free",
            "GetProcessMemoryInfo gives the numbers Task Manager and Performance Monitor show "
            "for a process: the working set (its pages in RAM), private bytes (its commit "
            "charge) and page faults. Committing charges the commit limit at once but uses no "
            "RAM; touching the pages brings them into the working set, one page fault each; "
            "freeing gives both back. GlobalMemoryStatusEx and GetPerformanceInfo show the "
            "system's side. QueryWorkingSetEx says, page by page, what is resident.");

    memset(&before, 0, sizeof before);
    memset(&committed, 0, sizeof committed);
    memset(&touched, 0, sizeof touched);
    memset(&freed, 0, sizeof freed);
    memset(&system_before, 0, sizeof system_before);
    memset(&system_committed, 0, sizeof system_committed);
    memset(&system_touched, 0, sizeof system_touched);
    error = wm_process_counters(GetCurrentProcess(), &before);
    read_all = read_all && error == ERROR_SUCCESS;
    error = wm_performance_query(&system_before);
    read_all = read_all && error == ERROR_SUCCESS;
    error = wm_vm_allocate(NULL, COUNTED_BYTES, PAGE_READWRITE, /* plain data */
                           (void **)&block);
    wm_claim_success(lesson, "VirtualAlloc(MEM_RESERVE | MEM_COMMIT, 64 MiB)", error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    error = wm_process_counters(GetCurrentProcess(), &committed);
    read_all = read_all && error == ERROR_SUCCESS;
    error = wm_performance_query(&system_committed);
    read_all = read_all && error == ERROR_SUCCESS;
    for (offset = 0; offset < COUNTED_BYTES; offset += system->page_size) {
        block[offset] = 1; /* one write per page: its first touch */
    }
    error = wm_process_counters(GetCurrentProcess(), &touched);
    read_all = read_all && error == ERROR_SUCCESS;
    error = wm_performance_query(&system_touched);
    read_all = read_all && error == ERROR_SUCCESS;

    /* The per-page view, while the block is still there: its first page was touched. Then
     * the working set is emptied, and the same page asked about again: EmptyWorkingSet
     * removes as many pages as it can ("EmptyWorkingSet" on Microsoft Learn), and a page
     * that is not touched again stays out. */
    ws_error = wm_working_set_pages(GetCurrentProcess(), block, 1, &pages[0]);
    emptied = EmptyWorkingSet(GetCurrentProcess());
    empty_error = emptied ? ERROR_SUCCESS : GetLastError();
    if (ws_error == ERROR_SUCCESS && empty_error == ERROR_SUCCESS) {
        ws_error = wm_working_set_pages(GetCurrentProcess(), block, 1, &pages[1]);
    }
    error = wm_vm_release(block);
    wm_claim_success(lesson, "VirtualFree(MEM_RELEASE)", error);
    block = NULL;
    error = wm_process_counters(GetCurrentProcess(), &freed);
    read_all = read_all && error == ERROR_SUCCESS;
    wm_claim(lesson, NULL, "GetProcessMemoryInfo and GetPerformanceInfo answered every time.",
             read_all);

    value_counters(lesson, "before", &before);
    value_counters(lesson, "committed", &committed);
    value_counters(lesson, "touched", &touched);
    value_counters(lesson, "freed", &freed);
    wm_claim(lesson, NULL,
             "Touching the committed pages grows the working set by about the bytes touched.",
             touched.working_set >= committed.working_set &&
                 touched.working_set - committed.working_set >=
                     (SIZE_T)COUNTED_BYTES / 100u * RESIDENT_SHARE_PERCENT);
    /* PrivateUsage is the commit charge ("PROCESS_MEMORY_COUNTERS_EX" on Microsoft Learn).
     * A running process with 64 MiB committed cannot have a commit charge of 0: a 0 at all
     * four readings means the field was never written. */
    private_unwritten = before.private_bytes == 0 && committed.private_bytes == 0 &&
                        touched.private_bytes == 0 && freed.private_bytes == 0;
    wm_claim_or_deviation(lesson, NULL,
                          "Committing 64 MiB raises private bytes by 64 MiB, before any touch.",
                          committed.private_bytes >= before.private_bytes + COUNTED_BYTES,
                          private_unwritten, &PRIVATE_USAGE_UNFILLED);
    /* The first touch of a committed page is a (demand-zero) page fault ("Working Set" on
     * Microsoft Learn). A count still 0 after 16,384 first touches counts nothing. */
    wm_claim_or_deviation(
        lesson, NULL, "Touching each page costs a page fault: faults rose by the pages.",
        touched.page_faults >= committed.page_faults + (DWORD)touched_pages,
        before.page_faults == 0 && touched.page_faults == 0, &PAGE_FAULTS_UNCOUNTED);
    wm_claim_or_deviation(lesson, NULL,
                          "Freeing gives the commit charge back: private bytes fall by 64 MiB.",
                          touched.private_bytes >= COUNTED_BYTES &&
                              freed.private_bytes <= touched.private_bytes - COUNTED_BYTES,
                          private_unwritten, &PRIVATE_USAGE_UNFILLED);

    wm_value_bytes(lesson, "system commit charge before", system_before.commit_total);
    wm_value_bytes(lesson, "system commit charge, committed", system_committed.commit_total);
    wm_value_bytes(lesson, "system commit charge, touched", system_touched.commit_total);
    wm_value_bytes(lesson, "system commit limit", system_committed.commit_limit);
    wm_claim(lesson, NULL, "GetPerformanceInfo reports a commit limit and the system's page size.",
             system_committed.commit_limit > 0 && system_committed.page_size == system->page_size);
    /* Committing "changes this value immediately" ("PERFORMANCE_INFORMATION" on Microsoft
     * Learn). Other processes commit and free meanwhile, so this is a claim about a busy
     * system's total: it holds unless something else freed over 32 MiB in the same moment.
     * The deviation is the count not moving with the commit: it changed by less than an
     * eighth of the block (the two readings are microseconds apart). */
    commit_change = system_committed.commit_total >= system_before.commit_total
                        ? system_committed.commit_total - system_before.commit_total
                        : system_before.commit_total - system_committed.commit_total;
    wm_claim_or_deviation(lesson, NULL,
                          "The system's commit charge rose by about 64 MiB at commit time.",
                          system_committed.commit_total + COUNTED_BYTES / 2 >=
                              system_before.commit_total + COUNTED_BYTES,
                          commit_change < COUNTED_BYTES / 8, &COMMIT_TOTAL_IGNORES_COMMIT);
    error = wm_memory_status(&status);
    wm_claim_success(lesson, "GlobalMemoryStatusEx", error);
    if (error == ERROR_SUCCESS) {
        wm_value_count(lesson, "memory load", status.load_percent, "%");
        wm_value_bytes(lesson, "physical memory available", status.physical_available);
        wm_value_bytes(lesson, "commit this process could still add", status.commit_available);
    }

    wm_claim_success(lesson, "QueryWorkingSetEx (the block's first page)", ws_error);
    if (ws_error == ERROR_SUCCESS) {
        wm_value_count(lesson, "first page Valid (resident)", (uint64_t)pages[0].valid, NULL);
        wm_value_hex(lesson, "first page Win32Protection", pages[0].protection,
                     wm_protect_name(pages[0].protection));
        wm_claim(lesson, NULL,
                 "A touched page is Valid in the working set, PAGE_READWRITE, private.",
                 pages[0].valid && pages[0].protection == PAGE_READWRITE && !pages[0].shared);
    }
    wm_claim_success(lesson, "EmptyWorkingSet", empty_error);
    if (ws_error == ERROR_SUCCESS && empty_error == ERROR_SUCCESS) {
        wm_value_count(lesson, "first page Valid after EmptyWorkingSet", (uint64_t)pages[1].valid,
                       NULL);
        /* The page is private and not locked: one of the "as many pages as possible"
         * ("EmptyWorkingSet" on Microsoft Learn). Still Valid after a successful call: the
         * call removed nothing. */
        wm_claim_or_deviation(lesson, NULL,
                              "EmptyWorkingSet trims the page: it is no longer Valid.",
                              !pages[1].valid, pages[1].valid != 0, &EMPTY_WORKING_SET_NOOP);
    }

    /* QueryWorkingSet lists every resident page; with too little room it must say how many
     * there are: ERROR_BAD_LENGTH, with NumberOfEntries set ("QueryWorkingSet" on Microsoft
     * Learn). The buffer is the structure itself, room for one entry: a process has more. */
    memset(&too_small, 0, sizeof too_small);
    listed = QueryWorkingSet(GetCurrentProcess(), &too_small,
                             (DWORD)offsetof(PSAPI_WORKING_SET_INFORMATION, WorkingSetInfo) +
                                 TOO_SMALL_ENTRIES * (DWORD)sizeof(PSAPI_WORKING_SET_BLOCK));
    error = listed ? ERROR_SUCCESS : GetLastError();
    value_error(lesson, "QueryWorkingSet with room for one entry", error);
    wm_value_count(lesson, "entries it says it needs", too_small.NumberOfEntries, "pages");
    wm_claim_or_deviation(lesson, NULL,
                          "QueryWorkingSet with too small a buffer fails with ERROR_BAD_LENGTH "
                          "and says how many entries it needs.",
                          !listed && error == ERROR_BAD_LENGTH && too_small.NumberOfEntries > 1,
                          !listed && error == ERROR_INVALID_PARAMETER &&
                              too_small.NumberOfEntries == 0,
                          &QUERY_WORKING_SET_UNSUPPORTED);
}

/* ------------------------------------------------------------------------------------ */
/* Step 2. The map of this process.                                                     */
/* ------------------------------------------------------------------------------------ */

/* Finds the region holding address and shows it as a value "TYPE NAME". */
static const wm_map_region_t *show_region(wm_lesson_t *lesson, const wm_map_t *map,
                                          const char *what, const void *address)
{
    const wm_map_region_t *region = NULL;
    char text[WM_MAP_NAME_CAPACITY + 32];
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

/* Runs memory-map.exe --pid OUR_PID --json and checks it mapped us. */
static void run_tool_on_ourselves(wm_lesson_t *lesson)
{
    wchar_t tool[MAX_PATH];
    wchar_t arguments[64];
    char expected[64];
    wm_output_t output;
    DWORD pid = GetCurrentProcessId();
    DWORD exit_code = 0;
    DWORD error = ERROR_SUCCESS;

    memset(&output, 0, sizeof output);
    error = wm_process_sibling_path(L"memory-map.exe", tool, MAX_PATH);
    if (error == ERROR_SUCCESS) {
        swprintf(arguments, sizeof arguments / sizeof arguments[0], L"--json --pid %lu",
                 (unsigned long)pid);
        error = wm_process_run(tool, arguments, wm_output_collect, &output, &exit_code);
    }
    wm_claim_success(lesson, "memory-map --pid (this process) --json, run as a child", error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    snprintf(expected, sizeof expected, "\"pid\":%lu,", (unsigned long)pid);
    wm_value_count(lesson, "memory-map exit code", exit_code, NULL);
    wm_claim(lesson, NULL,
             "memory-map opened this process by its PID (query and read rights only) and "
             "mapped it.",
             exit_code == WM_EXIT_OK && strstr(output.text, expected) != NULL);
}

static void show_map(wm_lesson_t *lesson)
{
    wm_map_t map;
    const wm_map_region_t *exe = NULL;
    const wm_map_region_t *kernel32 = NULL;
    const wm_map_region_t *heap = NULL;
    const wm_map_region_t *stack = NULL;
    HANDLE process_heap = NULL;
    HMODULE exe_module = NULL;
    HMODULE kernel32_module = NULL;
    wchar_t device_name[MAX_PATH];
    char device_utf8[MAX_PATH * 3];
    ULONGLONG sum = 0;
    DWORD length = 0;
    DWORD error = ERROR_SUCCESS;
    unsigned type = 0;
    int local = 0;

    wm_step(lesson, "The map of this process",
            "VMMap sorts every region of the address space by what it is for: Image (the .exe "
            "and DLLs, mapped by the loader), Mapped File, Shareable (page-file-backed "
            "sections), Heap, Stack, Private Data (VirtualAlloc and the rest), Unusable (the "
            "tail of a 64 KiB allocation unit that a smaller allocation left), and Free. "
            "VirtualQueryEx gives each region's state, protection and type; GetModuleFileNameExW "
            "and GetMappedFileNameW give names; the process's heaps and its thread's stack "
            "are found from inside. The memory-map tool prints this table; here it is, read "
            "from inside.");

    memset(&map, 0, sizeof map);
    error = wm_map_take(GetCurrentProcess(), &map);
    wm_claim_success(lesson, "wm_map_take (VirtualQueryEx over the whole address space)", error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    for (type = 0; type < WM_MAP_TYPE_COUNT; type++) {
        char name[64];

        snprintf(name, sizeof name, "%s", wm_map_type_name((wm_map_type_t)type));
        wm_value_bytes(lesson, name, map.totals[type].size);
        sum += map.totals[type].size;
    }
    wm_value_count(lesson, "regions", map.count, NULL);
    wm_value_bytes(lesson, "largest free block", map.largest_free);
    wm_claim(lesson, NULL, "The types add up to the whole application address range.",
             sum == (ULONGLONG)(map.end - map.start));

    exe_module = GetModuleHandleW(NULL);                 /* this .exe; no reference taken */
    kernel32_module = GetModuleHandleW(L"kernel32.dll"); /* loaded in every process */
    exe = show_region(lesson, &map, "this .exe", exe_module);
    wm_claim(lesson, NULL, "The executable is an Image, named by its path.",
             exe != NULL && exe->type == WM_MAP_IMAGE && strstr(exe->name, "diagnostics") != NULL);
    kernel32 = show_region(lesson, &map, "kernel32.dll", kernel32_module);
    wm_claim(lesson, NULL, "kernel32.dll is an Image too.",
             kernel32 != NULL && kernel32->type == WM_MAP_IMAGE);
    error = wm_heap_process(&process_heap);
    wm_claim_success(lesson, "GetProcessHeap", error);
    heap = show_region(lesson, &map, "the process heap", process_heap);
    wm_claim(lesson, NULL, "The process heap's memory is typed Heap.",
             heap != NULL && heap->type == WM_MAP_HEAP);
    stack = show_region(lesson, &map, "this thread's stack", &local);
    wm_claim(lesson, NULL, "A local variable lives in a region typed Stack.",
             stack != NULL && stack->type == WM_MAP_STACK);

    /* GetMappedFileNameW names the file behind any mapped address, the .exe's image too, in
     * the kernel's device form ("GetMappedFileNameW" on Microsoft Learn). */
    length = GetMappedFileNameW(GetCurrentProcess(), (LPVOID)exe_module, device_name, MAX_PATH);
    if (length == 0) {
        value_error(lesson, "GetMappedFileNameW (this .exe)", GetLastError());
    } else {
        device_name[length < MAX_PATH ? length : MAX_PATH - 1] = L'\0';
        (void)wm_utf8_from_wide(device_name, device_utf8, sizeof device_utf8);
        wm_value_text(lesson, "GetMappedFileNameW (this .exe)", device_utf8);
    }
    /* psapi_main.c, test_GetMappedFileName: the name starts with the drive's device name
     * (QueryDosDevice), todo_wine. */
    wm_claim_or_deviation(lesson, NULL,
                          "GetMappedFileNameW gives the device form, "
                          "\\Device\\HarddiskVolumeN\\..., not a drive letter.",
                          length > 0 && wcsncmp(device_name, L"\\Device\\", 8) == 0,
                          length > 0 && wcsncmp(device_name, L"\\??\\", 4) == 0,
                          &MAPPED_NAME_DOS_FORM);

    error = wm_map_free(&map);
    wm_claim_success(lesson, "wm_map_free", error);
    run_tool_on_ourselves(lesson);
}

/* ------------------------------------------------------------------------------------ */
/* Step 3. A leak, found twice.                                                         */
/* ------------------------------------------------------------------------------------ */

/* The leaky routine: allocates LEAK_BLOCKS blocks and frees all but the forgotten ones,
 * which it stores in leaked[] so the lesson can clean up afterwards. */
static DWORD leaky_routine(HANDLE heap, void **leaked)
{
    void *blocks[LEAK_BLOCKS] = {NULL, NULL, NULL, NULL, NULL};
    SIZE_T index = 0;
    SIZE_T kept = 0;
    DWORD error = ERROR_SUCCESS;
    DWORD freed = ERROR_SUCCESS;

    for (index = 0; index < LEAK_BLOCKS && error == ERROR_SUCCESS; index++) {
        error = wm_heap_alloc(heap, 0, leak_sizes[index], &blocks[index]);
    }
    for (index = 0; index < LEAK_BLOCKS; index++) {
        if (blocks[index] == NULL) {
            continue;
        }
        if (leak_forgotten[index]) {
            leaked[kept] = blocks[index]; /* the bug: nobody frees these */
            kept++;
        } else {
            freed = wm_heap_free(heap, 0, blocks[index]);
            if (freed != ERROR_SUCCESS && error == ERROR_SUCCESS) {
                error = freed;
            }
        }
    }
    return error;
}

/* wm_map_diff visitor: finds the leaked region among the changes. */
typedef struct leak_search_s
{
    uintptr_t leaked; /* the leaked region's base */
    int found;        /* 1 when it appeared, as Private Data with its size */
    SIZE_T appeared;  /* regions that appeared */
    SIZE_T other;     /* changes that are not the leak */
} leak_search_t;

static int find_leak(void *context, wm_map_change_t change, const wm_map_region_t *before,
                     const wm_map_region_t *after)
{
    leak_search_t *search = (leak_search_t *)context;

    (void)before;
    if (change == WM_MAP_APPEARED) {
        search->appeared++;
        if (after->allocation_base == search->leaked && after->type == WM_MAP_PRIVATE &&
            after->size == LEAKED_REGION_BYTES) {
            search->found = 1;
            return 0;
        }
    }
    search->other++;
    return 0;
}

static void show_leaks(wm_lesson_t *lesson)
{
    wm_heap_snapshot_t before;
    wm_heap_snapshot_t after;
    wm_heap_snapshot_t appeared;
    wm_map_t map_before;
    wm_map_t map_after;
    leak_search_t search;
    HANDLE heap = NULL;
    void *leaked[LEAKED_BLOCKS] = {NULL, NULL};
    void *leaked_region = NULL;
    ULONGLONG appeared_bytes = 0;
    SIZE_T changes = 0;
    SIZE_T index = 0;
    DWORD error = ERROR_SUCCESS;
    DWORD map_error = ERROR_SUCCESS;

    wm_step(lesson, "A leak, found with snapshots",
            "UMDH and WinDbg's !heap find leaks the same way: record the busy blocks, run the "
            "suspect code, record again, and list the blocks that appeared. Here a routine "
            "allocates five blocks and forgets two. Memory taken with VirtualAlloc never "
            "shows in a heap: VMMap's snapshot diff finds it, by comparing two maps of the "
            "address space.");

    memset(&before, 0, sizeof before);
    memset(&after, 0, sizeof after);
    memset(&appeared, 0, sizeof appeared);
    memset(&map_before, 0, sizeof map_before);
    memset(&map_after, 0, sizeof map_after);
    error = wm_heap_create(0, 0, 0, &heap); /* a private heap: only the routine uses it */
    wm_claim_success(lesson, "HeapCreate", error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    error = wm_heap_snapshot_take(heap, &before);
    if (error == ERROR_SUCCESS) {
        error = leaky_routine(heap, leaked);
    }
    if (error == ERROR_SUCCESS) {
        error = wm_heap_snapshot_take(heap, &after);
    }
    if (error == ERROR_SUCCESS) {
        error = wm_heap_snapshot_diff(&before, &after, &appeared);
    }
    wm_claim_success(lesson, "heap snapshot, leaky routine, snapshot, diff", error);
    for (index = 0; index < appeared.count; index++) {
        char name[64];

        snprintf(name, sizeof name, "leaked block %zu at 0x%016llx", index + 1,
                 (unsigned long long)appeared.blocks[index].address);
        wm_value_bytes(lesson, name, appeared.blocks[index].size);
        appeared_bytes += appeared.blocks[index].size;
    }
    wm_claim(lesson, NULL, "The heap diff lists exactly the two forgotten blocks, 1048 bytes.",
             error == ERROR_SUCCESS && appeared.count == LEAKED_BLOCKS &&
                 appeared_bytes == LEAKED_BYTES);
    (void)wm_heap_snapshot_free(&appeared); /* zeroed snapshots are fine too */
    (void)wm_heap_snapshot_free(&after);
    (void)wm_heap_snapshot_free(&before);
    error = wm_heap_destroy(heap); /* takes the leaked blocks along */
    wm_claim_success(lesson, "HeapDestroy (frees the leaked blocks with the heap)", error);

    /* The second leak. Nothing is printed between the two maps: printing may grow the C
     * runtime's heap, which the diff would then report too. */
    memset(&search, 0, sizeof search);
    map_error = wm_map_take(GetCurrentProcess(), &map_before);
    if (map_error == ERROR_SUCCESS) {
        map_error = wm_vm_allocate(NULL, LEAKED_REGION_BYTES, PAGE_READWRITE, /* plain data */
                                   &leaked_region);
    }
    if (map_error == ERROR_SUCCESS) {
        map_error = wm_map_take(GetCurrentProcess(), &map_after);
    }
    if (map_error == ERROR_SUCCESS) {
        search.leaked = (uintptr_t)leaked_region;
        map_error = wm_map_diff(&map_before, &map_after, find_leak, &search, &changes);
    }
    wm_claim_success(lesson, "map, VirtualAlloc leak, map, diff", map_error);
    wm_value_address(lesson, "leaked VirtualAlloc region", (uintptr_t)leaked_region);
    wm_value_count(lesson, "regions that appeared", search.appeared, NULL);
    wm_value_count(lesson, "other changes (heaps growing, threads ending)", search.other, NULL);
    wm_claim(lesson, NULL, "The map diff shows the leaked 256 KiB region, as Private Data.",
             search.found);
    error = wm_map_free(&map_after);
    wm_claim_success(lesson, "wm_map_free (after)", error);
    error = wm_map_free(&map_before);
    wm_claim_success(lesson, "wm_map_free (before)", error);
    if (leaked_region != NULL) {
        error = wm_vm_release(leaked_region);
        wm_claim_success(lesson, "VirtualFree(MEM_RELEASE) of the leaked region", error);
    }
}

/* ------------------------------------------------------------------------------------ */
/* Step 4. Out of memory, on purpose, in a job.                                         */
/* ------------------------------------------------------------------------------------ */

/* The child: commits CHILD_ASKS_BYTES; exits CHILD_ALLOCATED, or with VirtualAlloc's error.
 * It prints nothing: the lesson's output may be JSON. */
static int run_allocate_child(void)
{
    void *block = NULL;
    DWORD error = ERROR_SUCCESS;

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
 * waits for its exit code. */
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
    swprintf(command_line, sizeof command_line / sizeof command_line[0], L"\"%ls\" --child=%ls",
             self, CHILD_ALLOCATE);
    /* Suspended, so it cannot allocate before it is in the job. */
    done = CreateProcessW(self, command_line, NULL, NULL, FALSE, /* inherits no handles */
                          CREATE_SUSPENDED, NULL, NULL, &startup, &child);
    if (!done) {
        return GetLastError();
    }
    done = AssignProcessToJobObject(job, child.hProcess);
    if (!done) {
        error = GetLastError();
        (void)TerminateProcess(child.hProcess, ERROR_CANCELLED); /* never ran */
        goto cleanup;
    }
    resumed = ResumeThread(child.hThread);
    if (resumed == (DWORD)-1) {
        error = GetLastError();
        (void)TerminateProcess(child.hProcess, ERROR_CANCELLED);
        goto cleanup;
    }
    /* It ends by itself; a child that does not is ended, never waited for for ever. */
    waited = WaitForSingleObject(child.hProcess, WM_CHILD_TIME_LIMIT_MS);
    if (waited == WAIT_TIMEOUT) {
        (void)TerminateProcess(child.hProcess, WAIT_TIMEOUT);
        error = ERROR_TIMEOUT;
        goto cleanup;
    }
    if (waited != WAIT_OBJECT_0) {
        error = GetLastError();
        goto cleanup;
    }
    done = GetExitCodeProcess(child.hProcess, exit_code);
    if (!done) {
        error = GetLastError();
    }

cleanup:
    done = CloseHandle(child.hThread);
    if (!done && error == ERROR_SUCCESS) {
        error = GetLastError();
    }
    done = CloseHandle(child.hProcess);
    if (!done && error == ERROR_SUCCESS) {
        error = GetLastError();
    }
    return error;
}

static void show_job_limit(wm_lesson_t *lesson)
{
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits;
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION read_back;
    HANDLE job = NULL;
    DWORD exit_code = 0;
    DWORD error = ERROR_SUCCESS;
    BOOL done = FALSE;

    wm_step(lesson, "Out of memory, on purpose, in a job object",
            "A job object can cap how much each of its processes may commit "
            "(JOB_OBJECT_LIMIT_PROCESS_MEMORY, ProcessMemoryLimit). A process that asks for "
            "more gets a failed VirtualAlloc, an error it can handle, instead of pushing the "
            "whole machine to its commit limit. The lesson starts a copy of itself suspended, "
            "puts it in a job limited to 32 MiB, and lets it ask for 64 MiB.");

    job = CreateJobObjectW(NULL, NULL); /* default security, unnamed */
    wm_claim(lesson, NULL, "CreateJobObjectW succeeded.", job != NULL);
    if (job == NULL) {
        return;
    }
    memset(&limits, 0, sizeof limits);
    /* ProcessMemoryLimit counts only when LimitFlags has JOB_OBJECT_LIMIT_PROCESS_MEMORY
     * ("JOBOBJECT_EXTENDED_LIMIT_INFORMATION" on Microsoft Learn). KILL_ON_JOB_CLOSE: if
     * the lesson dies, its child goes too. */
    limits.BasicLimitInformation.LimitFlags =
        JOB_OBJECT_LIMIT_PROCESS_MEMORY |   /* cap each process's commit */
        JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE; /* no orphan */
    limits.ProcessMemoryLimit = JOB_LIMIT_BYTES;
    done = SetInformationJobObject(job, JobObjectExtendedLimitInformation, &limits, sizeof limits);
    error = done ? ERROR_SUCCESS : GetLastError();
    wm_claim_success(lesson, "SetInformationJobObject(JOB_OBJECT_LIMIT_PROCESS_MEMORY, 32 MiB)",
                     error);
    memset(&read_back, 0, sizeof read_back);
    done = QueryInformationJobObject(job, JobObjectExtendedLimitInformation, &read_back,
                                     sizeof read_back, NULL); /* no length wanted */
    wm_value_bytes(lesson, "ProcessMemoryLimit read back", read_back.ProcessMemoryLimit);
    wm_claim_or_deviation(lesson, NULL, "QueryInformationJobObject reads the 32 MiB limit back.",
                          done && read_back.ProcessMemoryLimit == JOB_LIMIT_BYTES,
                          done && read_back.ProcessMemoryLimit == 0, &JOB_MEMORY_LIMIT_NOT_STORED);

    error = run_child_in_job(job, &exit_code);
    wm_claim_success(lesson, "the child, started suspended, put in the job, resumed", error);
    if (error == ERROR_SUCCESS) {
        value_error(lesson, "the child's VirtualAlloc(64 MiB) result", exit_code);
        /* ProcessMemoryLimit: "the limit for the virtual memory that can be committed by a
         * process" ("JOBOBJECT_EXTENDED_LIMIT_INFORMATION" on Microsoft Learn). */
        wm_claim_or_deviation(lesson, NULL,
                              "The child's 64 MiB commit is refused with an error code, and "
                              "the child ends normally instead of crashing.",
                              exit_code != CHILD_ALLOCATED && exit_code < 0xC0000000u,
                              exit_code == CHILD_ALLOCATED, &JOB_MEMORY_LIMIT_NOT_ENFORCED);
    }
    done = QueryInformationJobObject(job, JobObjectExtendedLimitInformation, &read_back,
                                     sizeof read_back, NULL);
    if (done) {
        wm_value_bytes(lesson, "PeakProcessMemoryUsed", read_back.PeakProcessMemoryUsed);
    }
    done = CloseHandle(job);
    wm_claim(lesson, NULL, "CloseHandle (the job) succeeded.", done);
}

/* ------------------------------------------------------------------------------------ */
/* Step 5. The tool guide.                                                              */
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
     "wm_process_counters: working_set, private_bytes",
     "add the Commit size column; find the PID the lesson prints"},
    {"Resource Monitor", "Memory tab: Commit, Working Set, Shareable, Private; hard faults/sec",
     "wm_process_counters; wm_performance_query", "filter on the lesson's process"},
    {"Performance Monitor",
     "Process: Private Bytes, Working Set, Page Faults/sec; Memory: Committed Bytes, Commit "
     "Limit",
     "private_bytes, working_set, page_faults; wm_performance_query commit_total, commit_limit",
     "add the counters for the lesson's process before step 1"},
    {"VMMap", "every region by type, committed, private, working set; snapshot diffs",
     "wm_map_take, wm_map_diff (the memory-map tool)",
     "File > Select Process at each pause; F5 refreshes, Ctrl+T timeline"},
    {"RAMMap", "physical memory use by kind: process private, mapped file, page table...",
     "wm_memory_status (totals only)", "run as administrator; Use Counts tab"},
    {"Process Explorer", "per-process private bytes, working set, virtual size; DLL view",
     "wm_process_counters; wm_map_take images", "double-click the process: Performance tab"},
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
     "the counters of step 1, over time",
     "wpr -start VirtualAllocation -start Heap; run; wpr -stop"},
    {"CRT debug heap", "leaks at exit with the allocation number; overruns in debug builds",
     "wm_heap_snapshot_diff (the same idea, on any heap)",
     "MSVC debug build: _CrtSetDbgFlag(_CRTDBG_LEAK_CHECK_DF | _CRTDBG_ALLOC_MEM_DF)"},
};

static void show_tool_guide(wm_lesson_t *lesson)
{
    wm_process_counters_t counters;
    HANDLE process_heap = NULL;
    HMODULE exe_module = NULL;
    DWORD pid = GetCurrentProcessId();
    size_t index = 0;
    DWORD error = ERROR_SUCCESS;
    int local = 0;

    wm_step(lesson, "The tool guide",
            "Each tool below shows numbers this suite reads with one call. To watch a lesson "
            "in one of them, run the lesson with --pause: before each step it prints its PID "
            "and waits for Enter. docs/diagnostics.md has this table with the details.");

    for (index = 0; index < sizeof tool_guide / sizeof tool_guide[0]; index++) {
        wm_note(lesson, "%s: shows %s. Same number here: %s. How: %s.", tool_guide[index].tool,
                tool_guide[index].shows, tool_guide[index].same_as, tool_guide[index].how);
    }
    exe_module = GetModuleHandleW(NULL); /* this .exe; no reference taken */
    wm_value_count(lesson, "this process's ID", pid, NULL);
    wm_value_address(lesson, "this .exe's image (WinDbg: !address on it)", (uintptr_t)exe_module);
    error = wm_heap_process(&process_heap);
    if (error == ERROR_SUCCESS) {
        wm_value_address(lesson, "the process heap (WinDbg: !heap -s lists it)",
                         (uintptr_t)process_heap);
    }
    wm_value_address(lesson, "a stack address (WinDbg: !vprot on it)", (uintptr_t)&local);

    error = wm_process_counters(GetCurrentProcess(), &counters);
    wm_claim_success(lesson, "GetProcessMemoryInfo", error);
    if (error == ERROR_SUCCESS) {
        wm_value_bytes(lesson, "Private Bytes (PrivateUsage)", counters.private_bytes);
        wm_value_bytes(lesson, "Commit size (PagefileUsage)", counters.pagefile_usage);
        /* Since Windows 7 both fields hold the commit charge ("PROCESS_MEMORY_COUNTERS_EX"
         * on Microsoft Learn): Performance Monitor's Private Bytes and Task Manager's
         * Commit size are one number. */
        wm_claim_or_deviation(
            lesson, NULL, "Private Bytes and Commit size are the same number, and not zero.",
            counters.private_bytes == counters.pagefile_usage && counters.private_bytes > 0,
            counters.private_bytes == 0, &PRIVATE_USAGE_UNFILLED);
    }
}

/* ------------------------------------------------------------------------------------ */
/* The table of contents.                                                               */
/* ------------------------------------------------------------------------------------ */

static int run_as_child(const wchar_t *mode)
{
    if (wcscmp(mode, CHILD_ALLOCATE) == 0) {
        return run_allocate_child();
    }
    fprintf(stderr, "%s: --child: unknown mode\n", DEMO_NAME);
    return WM_EXIT_USAGE;
}

int wmain(int argc, wchar_t **argv)
{
    demo_config_t config;
    wm_options_t options;
    wm_lesson_t lesson;
    wm_system_t system;
    const wm_option_spec_t extra[] = {
        {L"--child", WM_OPTION_TEXT, &config.mode, "MODE",
         NULL /* internal: step 4 runs a copy of this program with it */},
    };
    const size_t extra_count = sizeof extra / sizeof extra[0];
    DWORD error = ERROR_SUCCESS;
    int handled = 0;

    memset(&config, 0, sizeof config);
    wm_console_init();
    handled = wm_args_handle(argc, argv, DEMO_NAME, DEMO_TITLE, extra, extra_count, &options);
    if (handled != WM_ARGS_CONTINUE) {
        return handled;
    }
    if (config.mode != NULL) {
        return run_as_child(config.mode);
    }

    wm_lesson_begin(&lesson, DEMO_NAME, DEMO_TITLE, STEP_COUNT, &options, NULL, NULL);
    error = wm_system_query(&system);
    if (error != ERROR_SUCCESS) {
        wm_step(&lesson, "The system's page size", "GetSystemInfo, before anything else.");
        wm_claim_success(&lesson, "wm_system_query", error);
        return wm_lesson_end(&lesson);
    }
    show_counters(&lesson, &system);
    show_map(&lesson);
    show_leaks(&lesson);
    show_job_limit(&lesson);
    show_tool_guide(&lesson);
    return wm_lesson_end(&lesson);
}
