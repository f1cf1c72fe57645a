/*
 * virtual-memory.c - lesson 1: every process has its own private virtual address space.
 *
 * What you will see when you run it:
 *   1. The machine: page size, allocation granularity, the range of addresses a program
 *      may use, processors, RAM, and the commit limit (RAM plus page files).
 *   2. This process's address space right now, walked region by region with
 *      VirtualQueryEx: how much is free, reserved and committed, and committed by what.
 *   3. Private address spaces: this program and a copy of itself (a child process) put
 *      different values at the same virtual address, and each sees only its own.
 *   4. Virtual is not physical: reserving 4 times more address space than there is RAM
 *      succeeds and costs no RAM; then it is released.
 *
 * Run:  virtual-memory [--json] [--reserve=SIZE] [--pause]
 * Docs: docs/virtual-memory.md
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

#define DEMO_NAME "virtual-memory"
#define DEMO_TITLE                                                                                 \
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

/* What the command line asked for. */
typedef struct demo_config_s
{
    uint64_t reserve_bytes; /* --reserve: step 4's reservation; RESERVE_DEFAULT = 4 x RAM */
    uint64_t child_address; /* --child-at: run as step 3's child at this address; 0 = no */
} demo_config_t;

/* What the child reports back on its standard output, as one line of key=value pairs. */
typedef struct child_report_s
{
    unsigned long long address;    /* where its page is */
    unsigned long long first_read; /* what the page held before the child wrote to it */
    unsigned long long wrote;      /* the value it wrote */
    unsigned long long read_back;  /* what it read after writing */
    unsigned long error;           /* 0, or why it could not allocate at the address */
} child_report_t;

/* ------------------------------------------------------------------------------------ */
/* Step 1. The machine.                                                                 */
/* ------------------------------------------------------------------------------------ */

static void show_the_machine(wm_lesson_t *lesson, wm_system_t *system, wm_memory_status_t *memory)
{
    wm_system_t native;
    wm_performance_t performance;
    DWORD error = ERROR_SUCCESS;
    uint64_t user_space = 0;
    uint64_t physical_difference = 0;

    wm_step(lesson, "The machine",
            "GetSystemInfo gives the two sizes that rule virtual memory: the page (the unit "
            "of commit and protection) and the allocation granularity (where reservations "
            "may start). GlobalMemoryStatusEx and GetPerformanceInfo give RAM and the commit "
            "limit: the most memory all processes together can commit, RAM plus page files.");

    /* GetSystemInfo cannot fail; wm_system_query fails only for a NULL pointer. */
    error = wm_system_query(system);
    wm_claim_success(lesson, "GetSystemInfo", error);
    error = wm_system_query_native(&native);
    wm_claim_success(lesson, "GetNativeSystemInfo", error);
    error = wm_memory_status(memory);
    wm_claim_success(lesson, "GlobalMemoryStatusEx", error);
    error = wm_performance_query(&performance);
    wm_claim_success(lesson, "GetPerformanceInfo", error);

    /* The address range is inclusive: the highest address is the last usable byte. */
    user_space = (uint64_t)(system->highest_address - system->lowest_address) + 1;

    wm_value_bytes(lesson, "page size", system->page_size);
    wm_value_bytes(lesson, "allocation granularity", system->allocation_granularity);
    wm_value_address(lesson, "lowest application address", system->lowest_address);
    wm_value_address(lesson, "highest application address", system->highest_address);
    wm_value_bytes(lesson, "user address space", user_space);
    wm_value_count(lesson, "logical processors", system->processors, NULL);
    wm_value_bytes(lesson, "physical memory (RAM)", memory->physical_total);
    wm_value_bytes(lesson, "physical memory available", memory->physical_available);
    wm_value_count(lesson, "memory load", memory->load_percent, "%");
    wm_value_bytes(lesson, "commit limit (RAM + page files)", performance.commit_limit);
    wm_value_bytes(lesson, "commit charge, all processes", performance.commit_total);
    wm_value_bytes(lesson, "this process could still commit", memory->commit_available);
    wm_value_bytes(lesson, "RAM, as GetPerformanceInfo counts", performance.physical_total);

    wm_claim(lesson, "The page size is a power of two.", wm_is_power_of_two(system->page_size));
    wm_claim(lesson, "The allocation granularity is a whole number of pages.",
             system->page_size != 0 && system->allocation_granularity % system->page_size == 0);
    wm_claim(lesson,
             "A 64-bit process sees the native system: GetNativeSystemInfo and GetSystemInfo "
             "agree.",
             native.page_size == system->page_size &&
                 native.allocation_granularity == system->allocation_granularity &&
                 native.highest_address == system->highest_address);
    wm_claim(lesson,
             "The user address space (highest - lowest + 1) is what GlobalMemoryStatusEx "
             "calls total virtual memory.",
             user_space == memory->virtual_total);
    wm_claim(lesson, "The user address space is larger than RAM: virtual is not physical.",
             user_space > memory->physical_total);
    wm_claim(lesson, "Available RAM is at most the total.",
             memory->physical_available <= memory->physical_total);
    wm_claim(lesson, "All processes together have committed no more than the commit limit.",
             performance.commit_total <= performance.commit_limit);
    /* The two functions read the same kernel count, one in bytes and one in pages. */
    physical_difference = memory->physical_total > performance.physical_total
                              ? memory->physical_total - performance.physical_total
                              : performance.physical_total - memory->physical_total;
    wm_claim(lesson, "GlobalMemoryStatusEx and GetPerformanceInfo agree on RAM (to within 1%).",
             physical_difference <= memory->physical_total / 100);
}

/* ------------------------------------------------------------------------------------ */
/* Step 2. The address space right now.                                                 */
/* ------------------------------------------------------------------------------------ */

static void show_the_address_space(wm_lesson_t *lesson, const wm_system_t *system)
{
    wm_space_summary_t summary;
    wm_region_t image;
    wm_region_t stack;
    HMODULE executable = NULL;
    DWORD error = ERROR_SUCCESS;
    int on_the_stack = 0;
    uint64_t expected_end = (uint64_t)system->highest_address + 1;

    wm_step(lesson, "The address space right now",
            "VirtualQueryEx describes the region around an address: its base, size, state "
            "(free, reserved or committed), protection and type. Starting at the lowest "
            "application address and stepping by each region's size walks the whole user "
            "address space. Committed memory is of three types: image (the .exe and DLLs), "
            "mapped (views of files and sections) and private (heaps, stacks, VirtualAlloc).");

    error = wm_space_summarize(GetCurrentProcess(), &summary);
    wm_claim_success(lesson, "Walking the address space with VirtualQueryEx", error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    wm_value_count(lesson, "regions", summary.regions, NULL);
    wm_value_address(lesson, "walk started at", summary.start);
    wm_value_address(lesson, "walk ended at", summary.end);
    wm_value_bytes(lesson, "free", summary.free_bytes);
    wm_value_bytes(lesson, "reserved", summary.reserved_bytes);
    wm_value_bytes(lesson, "committed", summary.committed_bytes);
    wm_value_bytes(lesson, "  committed image", summary.committed_image);
    wm_value_bytes(lesson, "  committed mapped", summary.committed_mapped);
    wm_value_bytes(lesson, "  committed private", summary.committed_private);
    wm_value_bytes(lesson, "largest free region", summary.largest_free);

    wm_claim(lesson, "Each region starts where the one before it ends: no gaps.",
             summary.gaps == 0);
    wm_claim(lesson,
             "The regions cover the whole range, from the lowest to the highest application "
             "address.",
             summary.start == system->lowest_address && summary.end == expected_end);
    wm_claim(lesson, "Free + reserved + committed adds up to the whole range.",
             summary.free_bytes + summary.reserved_bytes + summary.committed_bytes ==
                 (uint64_t)(summary.end - summary.start));
    wm_claim(lesson, "Committed = image + mapped + private.",
             summary.committed_bytes ==
                 summary.committed_image + summary.committed_mapped + summary.committed_private);

    /* Two landmarks: this program's own image, and the stack this function runs on. */
    executable = GetModuleHandleW(NULL); /* NULL: the .exe's base address, no reference */
    error = wm_space_query(GetCurrentProcess(), (uintptr_t)executable, &image);
    wm_claim_success(lesson, "VirtualQueryEx on the .exe's base address", error);
    if (error == ERROR_SUCCESS) {
        wm_value_address(lesson, "this .exe starts at", (uintptr_t)executable);
        wm_value_text(lesson, "its type", wm_type_name(image.type));
        wm_claim(lesson, "The .exe is committed memory of type MEM_IMAGE.",
                 image.state == MEM_COMMIT && image.type == MEM_IMAGE);
    }
    error = wm_space_query(GetCurrentProcess(), (uintptr_t)&on_the_stack, &stack);
    wm_claim_success(lesson, "VirtualQueryEx on a local variable", error);
    if (error == ERROR_SUCCESS) {
        wm_value_address(lesson, "a local variable is at", (uintptr_t)&on_the_stack);
        wm_value_text(lesson, "its type", wm_type_name(stack.type));
        wm_claim(lesson, "The stack is committed private read-write memory.",
                 stack.state == MEM_COMMIT && stack.type == MEM_PRIVATE &&
                     (stack.protect & 0xFFu) == PAGE_READWRITE);
    }
}

/* ------------------------------------------------------------------------------------ */
/* Step 3. Private address spaces.                                                      */
/* ------------------------------------------------------------------------------------ */

/* Reads the child's "address=... first-read=... wrote=... read-back=... error=..." line. */
static int parse_child_report(const char *text, child_report_t *report)
{
    int fields = 0;

    memset(report, 0, sizeof *report);
    fields = sscanf(text, "address=%llu first-read=%llu wrote=%llu read-back=%llu error=%lu",
                    &report->address, &report->first_read, &report->wrote, &report->read_back,
                    &report->error);
    return fields == 5;
}

/* Finds a free, granularity-aligned page-sized spot in the middle of the address space,
 * far from where the loader and the heaps put things, and commits a page there. The same
 * address is very likely free in a fresh copy of this program too. */
static DWORD allocate_at_a_quiet_address(const wm_system_t *system, void **page)
{
    uintptr_t candidate = 0;
    DWORD error = ERROR_NOT_ENOUGH_MEMORY;
    int attempt = 0;

    for (attempt = 0; attempt < 8; attempt++) {
        /* Halfway up, then a quarter, an eighth...: each rounded to the granularity. */
        candidate = (uintptr_t)wm_size_round_down(system->highest_address >> (attempt + 1),
                                                  system->allocation_granularity);
        error = wm_vm_allocate((void *)candidate, system->page_size, PAGE_READWRITE, page);
        if (error == ERROR_SUCCESS) {
            return ERROR_SUCCESS;
        }
    }
    return error;
}

static void show_private_address_spaces(wm_lesson_t *lesson, const wm_system_t *system)
{
    volatile uint64_t *page = NULL;
    void *base = NULL;
    wchar_t arguments[64];
    wm_output_t output;
    child_report_t report;
    uint64_t parent_value = PARENT_MARK | GetCurrentProcessId();
    DWORD child_exit = 0;
    DWORD error = ERROR_SUCCESS;
    int reported = 0;

    wm_step(lesson, "Private address spaces",
            "The same virtual address can hold different data in two processes, because "
            "each process has its own page tables: an address means nothing outside the "
            "process that uses it. This program commits a page at a fixed address and "
            "writes its value there, then starts a copy of itself, which commits a page at "
            "the same address and writes its own value.");

    error = allocate_at_a_quiet_address(system, &base);
    wm_claim_success(lesson, "VirtualAlloc(MEM_RESERVE | MEM_COMMIT) at a chosen address", error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    page = (volatile uint64_t *)base;
    *page = parent_value;
    wm_value_address(lesson, "the shared address", (uintptr_t)base);
    wm_value_hex(lesson, "parent wrote", parent_value, "0x9A9E... + parent's process ID");

    swprintf(arguments, sizeof arguments / sizeof arguments[0], L"--child-at=%llu",
             (unsigned long long)(uintptr_t)base);
    memset(&output, 0, sizeof output);
    error = wm_process_run_self(arguments, wm_output_collect, &output, &child_exit);
    wm_claim_success(lesson, "Starting a copy of this program (CreateProcessW)", error);
    if (error == ERROR_SUCCESS) {
        reported = parse_child_report(output.text, &report);
        wm_claim(lesson, "The child ran and reported what it saw.",
                 child_exit == 0 && reported && report.error == 0);
    }
    if (reported) {
        wm_value_address(lesson, "child's page is at", (uintptr_t)report.address);
        wm_value_hex(lesson, "child first read", report.first_read, "a fresh page: zero");
        wm_value_hex(lesson, "child wrote", report.wrote, "0xC41D... + child's process ID");
        wm_value_hex(lesson, "child read back", report.read_back, NULL);
        wm_value_hex(lesson, "parent reads now", *page, NULL);
        wm_claim(lesson, "The child's page has the same virtual address as the parent's.",
                 report.address == (uintptr_t)base);
        wm_claim(lesson,
                 "The child does not see the parent's value: its page at that address is new "
                 "and zero.",
                 report.first_read == 0);
        wm_claim(lesson, "The child reads back its own value at that address.",
                 report.read_back == report.wrote && report.wrote != parent_value);
        wm_claim(lesson, "The parent still reads its own value at the same address.",
                 *page == parent_value);
    }
    error = wm_vm_release(base);
    wm_claim_success(lesson, "VirtualFree(MEM_RELEASE)", error);
}

/* The child's side of step 3: commit a page at the parent's address, read, write, read,
 * and report one line on stdout. Exit code 0 when it could do all of that. */
static int run_as_child(const demo_config_t *config)
{
    volatile uint64_t *page = NULL;
    void *base = NULL;
    uint64_t value = CHILD_MARK | GetCurrentProcessId();
    uint64_t first_read = 0;
    uint64_t read_back = 0;
    SIZE_T one_byte = 1; /* VirtualAlloc commits the whole page that byte lies in */
    DWORD error = ERROR_SUCCESS;

    error =
        wm_vm_allocate((void *)(uintptr_t)config->child_address, one_byte, PAGE_READWRITE, &base);
    if (error == ERROR_SUCCESS) {
        page = (volatile uint64_t *)base;
        first_read = *page;
        *page = value;
        read_back = *page;
    }
    printf("address=%llu first-read=%llu wrote=%llu read-back=%llu error=%lu\n",
           (unsigned long long)(uintptr_t)base, (unsigned long long)first_read,
           (unsigned long long)value, (unsigned long long)read_back, (unsigned long)error);
    fflush(stdout);
    if (base != NULL) {
        error = wm_vm_release(base);
    }
    return error == ERROR_SUCCESS ? WM_EXIT_OK : WM_EXIT_FAILED;
}

/* ------------------------------------------------------------------------------------ */
/* Step 4. Virtual is not physical.                                                     */
/* ------------------------------------------------------------------------------------ */

static void show_virtual_is_not_physical(wm_lesson_t *lesson, const wm_system_t *system,
                                         const wm_memory_status_t *memory, uint64_t requested)
{
    wm_process_counters_t before;
    wm_process_counters_t after;
    wm_memory_status_t status_before;
    wm_memory_status_t status_after;
    wm_region_t region;
    void *base = NULL;
    SIZE_T size = 0;
    DWORD error = ERROR_SUCCESS;
    int64_t working_set_growth = 0;
    int64_t private_growth = 0;
    uint64_t virtual_drop = 0;

    wm_step(lesson, "Virtual is not physical",
            "Reserving address space (VirtualAlloc with MEM_RESERVE) only marks a range as "
            "taken: no RAM, no page file, no commit charge. So a process can reserve far more "
            "than the machine has. Here: four times the RAM, unless --reserve says otherwise.");

    if (requested == RESERVE_DEFAULT) {
        requested = memory->physical_total * RESERVE_RAM_MULTIPLE;
    }
    error = wm_size_round_up((SIZE_T)requested, system->allocation_granularity, &size);
    if (error == ERROR_SUCCESS && size > memory->virtual_available) {
        /* Would not fit in the address space left (a 32-bit build, say): say so. */
        error = ERROR_NOT_ENOUGH_MEMORY;
    }
    wm_claim_success(lesson, "Choosing a reservation that fits the free address space", error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    error = wm_process_counters(GetCurrentProcess(), &before);
    wm_claim_success(lesson, "GetProcessMemoryInfo (before)", error);
    error = wm_memory_status(&status_before);
    wm_claim_success(lesson, "GlobalMemoryStatusEx (before)", error);

    error = wm_vm_reserve(NULL, size, &base);
    wm_claim_success(lesson, "VirtualAlloc(MEM_RESERVE) of the whole size", error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    error = wm_process_counters(GetCurrentProcess(), &after);
    wm_claim_success(lesson, "GetProcessMemoryInfo (after)", error);
    error = wm_memory_status(&status_after);
    wm_claim_success(lesson, "GlobalMemoryStatusEx (after)", error);
    error = wm_space_query(GetCurrentProcess(), (uintptr_t)base, &region);
    wm_claim_success(lesson, "VirtualQueryEx on the reservation", error);

    working_set_growth = (int64_t)after.working_set - (int64_t)before.working_set;
    private_growth = (int64_t)after.private_bytes - (int64_t)before.private_bytes;
    virtual_drop = status_before.virtual_available > status_after.virtual_available
                       ? status_before.virtual_available - status_after.virtual_available
                       : 0;

    wm_value_bytes(lesson, "reserved", size);
    wm_value_bytes(lesson, "RAM", memory->physical_total);
    wm_value_address(lesson, "reservation base", (uintptr_t)base);
    wm_value_text(lesson, "state", wm_state_name(region.state));
    wm_value_signed(lesson, "working set change", working_set_growth, "bytes");
    wm_value_signed(lesson, "private bytes (commit) change", private_growth, "bytes");
    wm_value_bytes(lesson, "drop in available virtual memory", virtual_drop);

    if (size > memory->physical_total) {
        wm_claim(lesson, "A reservation larger than RAM succeeded.", base != NULL);
    } else {
        wm_note(lesson, "--reserve chose a size no larger than RAM; try one that is larger.");
    }
    wm_claim(lesson, "The reservation starts at a multiple of the allocation granularity.",
             (uintptr_t)base % system->allocation_granularity == 0);
    wm_claim(lesson, "VirtualQuery shows the whole range as one MEM_RESERVE region.",
             region.state == MEM_RESERVE && region.base == (uintptr_t)base && region.size >= size);
    wm_claim(lesson, "The working set grew by less than 1% of the size reserved.",
             working_set_growth < (int64_t)(size / 100));
    wm_claim_windows(lesson, "The working set (RAM in use) hardly moved: reserving costs no RAM.",
                     working_set_growth < (int64_t)NOISE_BYTES,
                     "it keeps one byte of bookkeeping per reserved page (its page "
                     "protection table), so a reservation costs RAM: size / page size bytes.");
    if (wm_is_wine()) {
        wm_claim_differs(lesson, "Reserving adds nothing to the commit charge (private bytes).",
                         "Wine reports PrivateUsage as 0 at all times, so the commit charge "
                         "cannot be observed here.");
    } else {
        wm_claim(lesson, "Reserving adds nothing to the commit charge (private bytes).",
                 private_growth < (int64_t)NOISE_BYTES);
    }
    wm_claim_windows(lesson, "Available virtual memory dropped by the size reserved.",
                     virtual_drop >= size, "ullAvailVirtual does not count reservations.");

    error = wm_vm_release(base);
    wm_claim_success(lesson, "VirtualFree(MEM_RELEASE, size 0)", error);
    error = wm_space_query(GetCurrentProcess(), (uintptr_t)base, &region);
    wm_claim(lesson, "After release the range is MEM_FREE again.",
             error == ERROR_SUCCESS && region.state == MEM_FREE);
}

/* --reserve must be at least one byte and fit in the user address space: a usage error
 * otherwise (exit 2), not a failed claim. */
static int check_reserve_option(const demo_config_t *config)
{
    wm_memory_status_t memory;
    DWORD error = ERROR_SUCCESS;

    if (config->reserve_bytes == RESERVE_DEFAULT) {
        return WM_ARGS_CONTINUE;
    }
    if (config->reserve_bytes == 0) {
        fprintf(stderr, "%s: --reserve: must be at least 1 byte\n", DEMO_NAME);
        return WM_EXIT_USAGE;
    }
    error = wm_memory_status(&memory);
    if (error == ERROR_SUCCESS && config->reserve_bytes > memory.virtual_total) {
        fprintf(stderr, "%s: --reserve: larger than the user address space\n", DEMO_NAME);
        return WM_EXIT_USAGE;
    }
    return WM_ARGS_CONTINUE;
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
    wm_memory_status_t memory;
    const wm_option_spec_t extra[] = {
        {L"--reserve", WM_OPTION_SIZE, &config.reserve_bytes, "SIZE",
         "step 4: reserve SIZE (K/M/G/T) instead of 4 x RAM"},
        {L"--child-at", WM_OPTION_UNSIGNED, &config.child_address, "ADDRESS",
         NULL /* internal: step 3 runs a copy of this program with it */},
    };
    const size_t extra_count = sizeof extra / sizeof extra[0];
    int handled = 0;

    memset(&config, 0, sizeof config);
    config.reserve_bytes = RESERVE_DEFAULT;
    wm_console_init();
    handled = wm_args_handle(argc, argv, DEMO_NAME, DEMO_TITLE, extra, extra_count, &options);
    if (handled != WM_ARGS_CONTINUE) {
        return handled;
    }
    if (config.child_address != 0) {
        return run_as_child(&config);
    }
    handled = check_reserve_option(&config);
    if (handled != WM_ARGS_CONTINUE) {
        return handled;
    }

    wm_lesson_begin(&lesson, DEMO_NAME, DEMO_TITLE, 4, &options, NULL, NULL);
    show_the_machine(&lesson, &system, &memory);
    show_the_address_space(&lesson, &system);
    show_private_address_spaces(&lesson, &system);
    show_virtual_is_not_physical(&lesson, &system, &memory, config.reserve_bytes);
    return wm_lesson_end(&lesson);
}
