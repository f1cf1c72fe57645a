/*
 * protection.c - lesson: memory protection, by touching pages and watching what faults.
 *
 * "Windows enforces memory protection to prevent processes from accessing or modifying
 * memory that does not belong to them. This is a critical security and stability feature.
 * These protection attributes are set during allocation (e.g., with VirtualAlloc) or can be
 * modified later (e.g., with VirtualProtect)." (Seed document.)
 *
 * What you will see when you run it:
 *   1. The truth table: a read, a write and an execute tried on pages of eight protections,
 *      each outcome beside what Microsoft documents (x64 cannot express execute-only).
 *   2. VirtualProtect: change and restore with the old value; it fails on reserved pages; a
 *      configuration table made read-only after start-up, and a later write faulting (in a
 *      child process, whose exit code the lesson reports).
 *   3. Guard pages: one exception, then an ordinary page; the guard page of this thread's
 *      stack, and how Wine lays stacks out differently.
 *   4. DEP: code in a read-write page does not run (access type 8); after VirtualProtect to
 *      PAGE_EXECUTE_READ and FlushInstructionCache it does. Why W^X.
 *   5. Fenced blocks: an off-by-one write past a 100-byte block faults at the exact byte,
 *      an underrun and a use after free too; the same bug on the heap goes unnoticed.
 *   6. Stack overflow, in a child process: EXCEPTION_STACK_OVERFLOW; SetThreadStackGuarantee.
 *   7. Another process's memory: without PROCESS_VM_READ, ReadProcessMemory is refused; with
 *      it, it works; and it refuses to read a no-access page (Wine 8.0 copies it).
 *
 * Every access that may fault goes through the library's probe (wm_probe): the fault is
 * caught by its vectored handler and reported, without __try and without crashing.
 *
 * Run:  protection [--json] [--pause]
 * Docs: docs/protection.md
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

#define DEMO_NAME "protection"
#define DEMO_TITLE                                                                                 \
    "Every page has a protection: what it lets you read, write and run. Touching it otherwise "    \
    "raises an exception, and that is a feature."

#define STEP_COUNT 7

/* x64 machine code the lesson runs: a lone "ret", and "mov eax, 42; ret". */
#define RET_OPCODE 0xC3
#define RETURNED_VALUE 42
static const unsigned char return_42[] = {0xB8, RETURNED_VALUE, 0x00, 0x00, 0x00, RET_OPCODE};

/* A byte the probes write. */
#define PATTERN 0x5A

/* Step 1: "any access type" where Windows does not document one (no-access execute). */
#define ANY_ACCESS_TYPE ((ULONG_PTR)-1)

/* Step 2: the configuration table's entries. */
#define CONFIG_ENTRIES 32

/* Step 5: the block with the off-by-one bug. */
#define BLOCK_BYTES 100

/* Step 6: how much stack SetThreadStackGuarantee asks to keep for the handler. */
#define STACK_GUARANTEE (64u * 1024u)

/* Step 7: bytes read from the other process: the "MZ" at the start of a module image. */
#define IMAGE_SIGNATURE_BYTES 2

/* Step 7: how long the sleeping child waits before ending by itself (it is killed first). */
#define CHILD_SLEEP_MS 30000u

/* Exit codes a crashing child has: NTSTATUS values. */
#define EXIT_ACCESS_VIOLATION 0xC0000005u /* STATUS_ACCESS_VIOLATION */
#define EXIT_STACK_OVERFLOW 0xC00000FDu   /* STATUS_STACK_OVERFLOW */

/* TerminateProcess's exit code for the sleeping child: any value; this one says "killed". */
#define KILLED_EXIT_CODE 99u

/* The child modes, given with the hidden --child option. */
#define CHILD_SEALED_WRITE L"sealed-write" /* step 2: write to a sealed table, unprobed */
#define CHILD_OVERFLOW L"overflow"         /* step 6: unbounded recursion */
#define CHILD_SLEEP L"sleep"               /* step 7: a process to read from */

/* How Wine is recorded to differ (docs/deviations.md has the rows). Each claim that names
 * one checks its own observation of it: "this is Wine" alone never makes a verdict. */
static const wm_deviation_t WRITECOPY_STILL_REPORTED = {
    "wine-writecopy-still-reported",
    "After a write to a copy-on-write view the private copy is made, but VirtualQuery still "
    "reports the page as PAGE_WRITECOPY instead of PAGE_READWRITE."};
static const wm_deviation_t STACK_COMMITTED_UP_FRONT = {
    "wine-stack-committed-up-front",
    "A thread's whole stack is committed when the thread starts, with one guard page at its "
    "bottom: no part of the reservation is left only reserved."};
static const wm_deviation_t STACK_OVERFLOW_NO_STATUS = {
    "wine-stack-overflow-no-status",
    "An unhandled stack overflow kills the thread and the process ends with a small exit "
    "code (0 or 1, the recursion never returned) instead of 0xC00000FD."};
static const wm_deviation_t READ_PROCESS_MEMORY_IGNORES_NOACCESS = {
    "wine-read-process-memory-ignores-noaccess",
    "ReadProcessMemory copies a PAGE_NOACCESS page instead of failing."};

/* What the command line asked for. */
typedef struct demo_config_s
{
    const wchar_t *mode; /* --child: run as one of the child modes; NULL = the lesson */
} demo_config_t;

/* ------------------------------------------------------------------------------------ */
/* Shared helpers.                                                                      */
/* ------------------------------------------------------------------------------------ */

/* Runs this program with --child=MODE, collecting its output and exit code. */
static DWORD run_child(const wchar_t *mode, wm_output_t *output, DWORD *exit_code)
{
    wchar_t arguments[64];

    memset(output, 0, sizeof *output);
    swprintf(arguments, sizeof arguments / sizeof arguments[0], L"--child=%ls", mode);
    return wm_process_run_self(arguments, wm_output_collect, output, exit_code);
}

/* An error code as a value: "487 Attempt to access invalid address." (the text is the
 * system's, so it differs between Windows and Wine; claims compare codes only). */
static void value_error(wm_lesson_t *lesson, const char *name, DWORD error)
{
    char text[256];

    (void)wm_error_text(error, text, sizeof text);
    wm_value_text(lesson, name, text);
}

/* A protection as a value: "0x00000104 PAGE_READWRITE|PAGE_GUARD". */
static void value_protect(wm_lesson_t *lesson, const char *name, DWORD protect)
{
    char text[WM_PROTECT_NAME_MAX];
    DWORD error = ERROR_SUCCESS;

    error = wm_protect_format(protect, text, sizeof text);
    if (error != ERROR_SUCCESS) {
        snprintf(text, sizeof text, "?");
    }
    wm_value_hex(lesson, name, protect, text);
}

/* One probe's outcome in a few letters: "ok", "AV(1)" (an access violation of access type
 * 1, a write), "guard(0)". */
static void describe_outcome(const wm_probe_result_t *result, char *text, size_t capacity)
{
    if (result->outcome == WM_PROBE_DONE) {
        snprintf(text, capacity, "ok");
        return;
    }
    snprintf(text, capacity, "%s(%lu)", result->outcome == WM_PROBE_GUARD_PAGE ? "guard" : "AV",
             (unsigned long)result->access_type);
}

/* Commits one page, writes code into it (a lone ret when code is NULL) while it is
 * read-write, then gives it protect. NULL on failure, with *error set. */
static unsigned char *page_with_code(const wm_system_t *system, DWORD protect,
                                     const unsigned char *code, size_t length, DWORD *error)
{
    void *page = NULL;
    unsigned char *bytes = NULL;
    DWORD old_protect = 0;
    BOOL flushed = FALSE;

    *error = wm_vm_allocate(NULL, system->page_size, PAGE_READWRITE, &page);
    if (*error != ERROR_SUCCESS) {
        return NULL;
    }
    bytes = (unsigned char *)page;
    if (code == NULL) {
        bytes[0] = RET_OPCODE;
    } else {
        memcpy(bytes, code, length);
    }
    *error = wm_protect_change(page, system->page_size, protect, &old_protect);
    if (*error != ERROR_SUCCESS) {
        (void)wm_vm_release(page);
        return NULL;
    }
    /* FlushInstructionCache: after writing code, before running it. */
    flushed = FlushInstructionCache(GetCurrentProcess(), page, system->page_size);
    if (!flushed) {
        *error = GetLastError();
        (void)wm_vm_release(page);
        return NULL;
    }
    return bytes;
}

/* ------------------------------------------------------------------------------------ */
/* Step 1. The truth table.                                                             */
/* ------------------------------------------------------------------------------------ */

/* What Microsoft documents for one access: allowed, or an access violation of this type
 * (or a guard-page violation). */
typedef struct expected_s
{
    wm_probe_outcome_t outcome;
    ULONG_PTR access_type; /* ANY_ACCESS_TYPE: not documented */
} expected_t;

/* One row of the table. */
typedef struct table_row_s
{
    DWORD protect;         /* the page's protection */
    int mapped_view;       /* 1: PAGE_WRITECOPY needs a view mapped with FILE_MAP_COPY */
    expected_t cells[3];   /* read, write, execute, as documented */
    int read_undocumented; /* 1: the read is not documented either way (PAGE_EXECUTE) */
    const char *documented;
} table_row_t;

#define OK_CELL                                                                                    \
    {                                                                                              \
        WM_PROBE_DONE, 0                                                                           \
    }
#define AV_READ                                                                                    \
    {                                                                                              \
        WM_PROBE_ACCESS_VIOLATION, WM_ACCESS_TYPE_READ                                             \
    }
#define AV_WRITE                                                                                   \
    {                                                                                              \
        WM_PROBE_ACCESS_VIOLATION, WM_ACCESS_TYPE_WRITE                                            \
    }
#define AV_EXECUTE                                                                                 \
    {                                                                                              \
        WM_PROBE_ACCESS_VIOLATION, WM_ACCESS_TYPE_EXECUTE                                          \
    }
#define AV_ANY                                                                                     \
    {                                                                                              \
        WM_PROBE_ACCESS_VIOLATION, ANY_ACCESS_TYPE                                                 \
    }
#define GUARD_READ                                                                                 \
    {                                                                                              \
        WM_PROBE_GUARD_PAGE, WM_ACCESS_TYPE_READ                                                   \
    }
#define GUARD_WRITE                                                                                \
    {                                                                                              \
        WM_PROBE_GUARD_PAGE, WM_ACCESS_TYPE_WRITE                                                  \
    }
#define GUARD_ANY                                                                                  \
    {                                                                                              \
        WM_PROBE_GUARD_PAGE, ANY_ACCESS_TYPE                                                       \
    }

/* Memory Protection Constants (Microsoft Learn), one row per protection. */
static const table_row_t truth_table[] = {
    {PAGE_NOACCESS, 0, {AV_READ, AV_WRITE, AV_ANY}, 0, "nothing"},
    {PAGE_READONLY, 0, {OK_CELL, AV_WRITE, AV_EXECUTE}, 0, "read"},
    {PAGE_READWRITE, 0, {OK_CELL, OK_CELL, AV_EXECUTE}, 0, "read, write"},
    {PAGE_EXECUTE, 0, {AV_READ, AV_WRITE, OK_CELL}, 1, "execute; a write faults"},
    {PAGE_EXECUTE_READ, 0, {OK_CELL, AV_WRITE, OK_CELL}, 0, "read, execute"},
    {PAGE_EXECUTE_READWRITE, 0, {OK_CELL, OK_CELL, OK_CELL}, 0, "everything"},
    {PAGE_WRITECOPY, 1, {OK_CELL, OK_CELL, AV_EXECUTE}, 0, "read; a write copies the page"},
    {PAGE_READWRITE | PAGE_GUARD,
     0,
     {GUARD_READ, GUARD_WRITE, GUARD_ANY},
     0,
     "first touch: guard exception"},
};

/* The row of PAGE_WRITECOPY, used again after the table. */
#define WRITECOPY_ROW 6

/* The page for one probe of row: a fresh private page, or a copy-on-write view of a fresh
 * mapping. *mapping is set for views (the caller unmaps and closes). */
static unsigned char *row_page(const wm_system_t *system, const table_row_t *row, HANDLE *mapping,
                               DWORD *error)
{
    unsigned char *writer = NULL;
    unsigned char *view = NULL;
    BOOL unmapped = FALSE;

    *mapping = NULL;
    if (!row->mapped_view) {
        return page_with_code(system, row->protect, NULL, 0, error);
    }
    *mapping = CreateFileMappingW(INVALID_HANDLE_VALUE,         /* backed by the page file */
                                  NULL, PAGE_EXECUTE_READWRITE, /* views may ask for anything */
                                  0, system->page_size, NULL);  /* one page, no name */
    if (*mapping == NULL) {
        *error = GetLastError();
        return NULL;
    }
    writer = (unsigned char *)MapViewOfFile(*mapping, FILE_MAP_WRITE, /* to put the ret in */
                                            0, 0, 0);
    if (writer == NULL) {
        *error = GetLastError();
        goto fail;
    }
    writer[0] = RET_OPCODE;
    unmapped = UnmapViewOfFile(writer);
    if (!unmapped) {
        *error = GetLastError();
        goto fail;
    }
    view = (unsigned char *)MapViewOfFile(*mapping, FILE_MAP_COPY, /* PAGE_WRITECOPY */
                                          0, 0, 0);
    if (view == NULL) {
        *error = GetLastError();
        goto fail;
    }
    *error = ERROR_SUCCESS;
    return view;

fail:
    (void)CloseHandle(*mapping);
    *mapping = NULL;
    return NULL;
}

/* Gives back what row_page made. */
static DWORD row_page_free(unsigned char *page, HANDLE mapping)
{
    DWORD error = ERROR_SUCCESS;
    BOOL done = FALSE;

    if (mapping == NULL) {
        return wm_vm_release(page);
    }
    done = UnmapViewOfFile(page);
    if (!done) {
        error = GetLastError();
    }
    done = CloseHandle(mapping);
    if (!done && error == ERROR_SUCCESS) {
        error = GetLastError();
    }
    return error;
}

/* 1 when result is what expected documents. */
static int matches(const wm_probe_result_t *result, const expected_t *expected, uintptr_t address)
{
    if (result->outcome != expected->outcome) {
        return 0;
    }
    if (result->outcome == WM_PROBE_DONE) {
        return 1;
    }
    if (expected->access_type != ANY_ACCESS_TYPE && result->access_type != expected->access_type) {
        return 0;
    }
    return result->fault_address == address;
}

/* After a write to a copy-on-write view, the page's protection: Memory Protection Constants
 * says the written page becomes a private PAGE_READWRITE page. 0 if something failed. */
static DWORD writecopy_after_write(const wm_system_t *system, DWORD *error)
{
    const table_row_t *row = &truth_table[WRITECOPY_ROW];
    wm_probe_result_t result;
    unsigned char *view = NULL;
    HANDLE mapping = NULL;
    DWORD protect = 0;

    view = row_page(system, row, &mapping, error);
    if (view == NULL) {
        return 0;
    }
    *error = wm_probe(WM_PROBE_WRITE, view, PATTERN, &result);
    if (*error == ERROR_SUCCESS) {
        *error = wm_protect_query(view, &protect);
    }
    if (row_page_free(view, mapping) != ERROR_SUCCESS) {
        protect = 0;
    }
    return protect;
}

static void show_truth_table(wm_lesson_t *lesson, const wm_system_t *system)
{
    const wm_probe_access_t accesses[3] = {WM_PROBE_READ, WM_PROBE_WRITE, WM_PROBE_EXECUTE};
    wm_probe_result_t result;
    char name[WM_PROTECT_NAME_MAX];
    char cells[3][16];
    char line[160];
    char claim[256];
    unsigned char *page = NULL;
    HANDLE mapping = NULL;
    DWORD error = ERROR_SUCCESS;
    DWORD first_error = ERROR_SUCCESS;
    DWORD written_protect = 0;
    size_t row = 0;
    size_t access = 0;
    int all_match = 1;
    int read_went_through = 0;

    wm_step(lesson, "The truth table",
            "Each row is a fresh page with one protection, holding a lone \"ret\" instruction. "
            "The library's probe reads a byte, writes a byte, and calls the page as code, "
            "one access each on a fresh page, and reports what happened: ok, an access "
            "violation with ExceptionInformation[0] (0 read, 1 write, 8 DEP) at the exact "
            "address, or a guard-page violation. Beside it, what Microsoft documents. "
            "PAGE_WRITECOPY is for mapped views only, so its row is a view mapped with "
            "FILE_MAP_COPY.");

    for (row = 0; row < sizeof truth_table / sizeof truth_table[0]; row++) {
        all_match = 1;
        read_went_through = 0;
        for (access = 0; access < 3; access++) {
            page = row_page(system, &truth_table[row], &mapping, &error);
            if (page == NULL) {
                wm_claim_success(lesson, "Preparing a page for the table", error);
                return;
            }
            error = wm_probe(accesses[access], page, PATTERN, &result);
            if (error != ERROR_SUCCESS && first_error == ERROR_SUCCESS) {
                first_error = error;
            }
            describe_outcome(&result, cells[access], sizeof cells[access]);
            if (truth_table[row].read_undocumented && accesses[access] == WM_PROBE_READ) {
                read_went_through = result.outcome == WM_PROBE_DONE;
            } else if (!matches(&result, &truth_table[row].cells[access], (uintptr_t)page)) {
                all_match = 0;
            }
            error = row_page_free(page, mapping);
            if (error != ERROR_SUCCESS && first_error == ERROR_SUCCESS) {
                first_error = error;
            }
        }
        (void)wm_protect_format(truth_table[row].protect, name, sizeof name);
        snprintf(line, sizeof line, "read %-8s write %-8s execute %-8s documented: %s", cells[0],
                 cells[1], cells[2], truth_table[row].documented);
        wm_value_text(lesson, name, line);
        snprintf(claim, sizeof claim, "%s: every access behaves as Microsoft documents%s.", name,
                 truth_table[row].read_undocumented ? " (the read aside)" : "");
        wm_claim(lesson, NULL, claim, all_match);
        if (truth_table[row].read_undocumented) {
            wm_note(lesson,
                    "PAGE_EXECUTE read: %s. The name says execute-only, but Memory Protection "
                    "Constants promises only that a write faults, and x64 page tables cannot "
                    "express execute-only pages. Never rely on either outcome.",
                    read_went_through ? "it went through" : "it faulted");
        }
    }
    wm_claim_success(lesson, "Every probe and every page of the table", first_error);

    written_protect = writecopy_after_write(system, &error);
    wm_claim_success(lesson, "A write to a fresh copy-on-write view", error);
    value_protect(lesson, "the view's page after the write", written_protect);
    /* Memory Protection Constants: "The private page is marked as PAGE_READWRITE". */
    wm_claim_or_deviation(lesson, NULL,
                          "After the write the page is a private copy: PAGE_READWRITE, no "
                          "longer PAGE_WRITECOPY.",
                          written_protect == PAGE_READWRITE, written_protect == PAGE_WRITECOPY,
                          &WRITECOPY_STILL_REPORTED);
}

/* ------------------------------------------------------------------------------------ */
/* Step 2. VirtualProtect, and a table sealed after start-up.                           */
/* ------------------------------------------------------------------------------------ */

/* Fills the configuration table: what start-up would read from a file. */
static void fill_config(uint32_t *entries)
{
    int i = 0;

    for (i = 0; i < CONFIG_ENTRIES; i++) {
        entries[i] = (uint32_t)(i * i + 1);
    }
}

static void show_virtual_protect(wm_lesson_t *lesson, const wm_system_t *system)
{
    wm_readonly_t table;
    wm_probe_result_t result;
    wm_output_t output;
    void *page = NULL;
    void *reserved = NULL;
    uint32_t *entries = NULL;
    DWORD first_old = 0;
    DWORD second_old = 0;
    DWORD now = 0;
    DWORD exit_code = 0;
    DWORD error = ERROR_SUCCESS;
    DWORD reserved_error = ERROR_SUCCESS;

    wm_step(lesson, "VirtualProtect: change, restore, and seal",
            "VirtualProtect changes the protection of committed pages and returns the old "
            "one through its last parameter, which must not be NULL. Keep the old value to "
            "put it back. Reserved pages have no protection to change: the call fails. A "
            "table filled at start-up and then made read-only cannot be changed by a stray "
            "write later: the write faults.");

    memset(&table, 0, sizeof table);
    error = wm_vm_allocate(NULL, system->page_size, PAGE_READWRITE, &page);
    wm_claim_success(lesson, "VirtualAlloc(MEM_COMMIT, PAGE_READWRITE)", error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    error = wm_protect_change(page, system->page_size, PAGE_READONLY, &first_old);
    wm_claim_success(lesson, "VirtualProtect(PAGE_READONLY)", error);
    error = wm_protect_query(page, &now);
    wm_claim_success(lesson, "VirtualQuery", error);
    value_protect(lesson, "old protection returned", first_old);
    value_protect(lesson, "protection now (VirtualQuery)", now);
    error = wm_protect_change(page, system->page_size, first_old, &second_old);
    wm_claim_success(lesson, "VirtualProtect(the old value)", error);
    value_protect(lesson, "old protection returned by the restore", second_old);
    wm_claim(lesson, NULL, "The change returned PAGE_READWRITE and the page became PAGE_READONLY.",
             first_old == PAGE_READWRITE && now == PAGE_READONLY);
    wm_claim(lesson, NULL, "Restoring with the old value returned PAGE_READONLY: a round trip.",
             second_old == PAGE_READONLY);
    error = wm_vm_release(page);
    wm_claim_success(lesson, "VirtualFree(MEM_RELEASE)", error);

    error = wm_vm_reserve(NULL, system->page_size, &reserved);
    wm_claim_success(lesson, "VirtualAlloc(MEM_RESERVE)", error);
    if (error == ERROR_SUCCESS) {
        reserved_error = wm_protect_change(reserved, system->page_size, PAGE_READONLY, &first_old);
        value_error(lesson, "VirtualProtect on a reserved page", reserved_error);
        wm_claim(lesson, NULL, "VirtualProtect on a reserved (uncommitted) page fails.",
                 reserved_error != ERROR_SUCCESS);
        error = wm_vm_release(reserved);
        wm_claim_success(lesson, "VirtualFree(MEM_RELEASE)", error);
    }

    error = wm_readonly_create(CONFIG_ENTRIES * sizeof *entries, &table);
    wm_claim_success(lesson, "Committing the configuration table", error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    entries = (uint32_t *)table.base;
    fill_config(entries);
    error = wm_readonly_seal(&table);
    wm_claim_success(lesson, "Sealing it: VirtualProtect(PAGE_READONLY)", error);
    error = wm_probe(WM_PROBE_WRITE, &entries[7], PATTERN, &result);
    wm_claim_success(lesson, "wm_probe (a write to entry 7)", error);
    wm_value_address(lesson, "entry 7", (uintptr_t)&entries[7]);
    wm_value_address(lesson, "fault address", result.fault_address);
    wm_claim(lesson, NULL, "A later write to the sealed table faults, at the entry's address.",
             result.outcome == WM_PROBE_ACCESS_VIOLATION &&
                 result.access_type == WM_ACCESS_TYPE_WRITE &&
                 result.fault_address == (uintptr_t)&entries[7]);
    wm_claim(lesson, NULL, "Reading it still works, and the entry is unchanged.", entries[7] == 50);
    error = wm_readonly_destroy(&table);
    wm_claim_success(lesson, "Releasing the table", error);

    /* The same bug without the probe: nothing catches it, so it runs in a child. */
    error = run_child(CHILD_SEALED_WRITE, &output, &exit_code);
    wm_claim_success(lesson, "Running the child (a plain write to its sealed table)", error);
    wm_value_hex(lesson, "child exit code", exit_code, "STATUS_ACCESS_VIOLATION is 0xC0000005");
    wm_claim(lesson, NULL,
             "Without a probe the write kills the process with 0xC0000005: the library's "
             "handler, installed in the child moments before, does not hide a fault that is "
             "not its own.",
             exit_code == EXIT_ACCESS_VIOLATION);
}

/* The child of step 2: probes once (so the library's handler has been used), seals a table,
 * then writes to it directly. It never returns normally. */
static int run_sealed_write_child(void)
{
    wm_readonly_t table;
    wm_probe_result_t result;
    volatile uint32_t *entries = NULL;
    DWORD error = ERROR_SUCCESS;

    error = wm_readonly_create(CONFIG_ENTRIES * sizeof *entries, &table);
    if (error != ERROR_SUCCESS) {
        return WM_EXIT_FAILED;
    }
    entries = (volatile uint32_t *)table.base;
    fill_config((uint32_t *)table.base);
    error = wm_readonly_seal(&table);
    if (error != ERROR_SUCCESS) {
        return WM_EXIT_FAILED;
    }
    error = wm_probe(WM_PROBE_WRITE, table.base, PATTERN, &result);
    if (error != ERROR_SUCCESS || result.outcome != WM_PROBE_ACCESS_VIOLATION) {
        return WM_EXIT_FAILED;
    }
    printf("sealed table at %p; writing entry 7 without the probe\n", table.base);
    fflush(stdout);
    entries[7] = PATTERN; /* the stray write: an access violation, unhandled */
    printf("the write went through\n");
    return WM_EXIT_FAILED;
}

/* ------------------------------------------------------------------------------------ */
/* Step 3. Guard pages, and the stack's.                                                */
/* ------------------------------------------------------------------------------------ */

/* What VirtualQuery finds between low and high: committed bytes, reserved bytes, and guard
 * pages. */
typedef struct stack_layout_s
{
    SIZE_T committed;
    SIZE_T reserved;
    SIZE_T guard_pages;
    uintptr_t guard_address; /* the lowest guard page */
} stack_layout_t;

static DWORD measure_stack(uintptr_t low, uintptr_t high, SIZE_T page_size, stack_layout_t *layout)
{
    MEMORY_BASIC_INFORMATION info;
    uintptr_t address = low;
    SIZE_T written = 0;

    memset(layout, 0, sizeof *layout);
    while (address < high) {
        written = VirtualQuery((LPCVOID)address, &info, sizeof info);
        if (written == 0) {
            return GetLastError();
        }
        if (info.State == MEM_COMMIT) {
            layout->committed += info.RegionSize;
            if ((info.Protect & PAGE_GUARD) != 0) {
                if (layout->guard_pages == 0) {
                    layout->guard_address = address;
                }
                layout->guard_pages += info.RegionSize / page_size;
            }
        } else if (info.State == MEM_RESERVE) {
            layout->reserved += info.RegionSize;
        }
        address = (uintptr_t)info.BaseAddress + info.RegionSize;
    }
    return ERROR_SUCCESS;
}

static void show_guard_pages(wm_lesson_t *lesson, const wm_system_t *system)
{
    wm_probe_result_t first;
    wm_probe_result_t second;
    stack_layout_t layout;
    unsigned char *page = NULL;
    ULONG_PTR low = 0;
    ULONG_PTR high = 0;
    DWORD old_protect = 0;
    DWORD armed = 0;
    DWORD after = 0;
    DWORD error = ERROR_SUCCESS;

    wm_step(lesson, "Guard pages: a one-shot alarm",
            "PAGE_GUARD is a modifier on top of a protection. The first touch of a guard page "
            "raises STATUS_GUARD_PAGE_VIOLATION (0x80000001) and the system removes the "
            "guard, so the second touch is an ordinary access. Thread stacks use this: below "
            "the committed part of the stack sits a guard page, and when the stack grows into "
            "it the system commits it and moves the guard one page down.");

    page = page_with_code(system, PAGE_READWRITE, NULL, 0, &error);
    wm_claim_success(lesson, "VirtualAlloc(MEM_COMMIT, PAGE_READWRITE)", error);
    if (page == NULL) {
        return;
    }
    error = wm_guard_arm(page, system->page_size, &old_protect);
    wm_claim_success(lesson, "VirtualProtect(PAGE_READWRITE | PAGE_GUARD)", error);
    error = wm_protect_query(page, &armed);
    wm_claim_success(lesson, "VirtualQuery (armed)", error);
    error = wm_probe(WM_PROBE_READ, page, 0, &first);
    wm_claim_success(lesson, "wm_probe (first read)", error);
    error = wm_protect_query(page, &after);
    wm_claim_success(lesson, "VirtualQuery (after the first read)", error);
    error = wm_probe(WM_PROBE_READ, page, 0, &second);
    wm_claim_success(lesson, "wm_probe (second read)", error);
    value_protect(lesson, "protection when armed", armed);
    wm_value_hex(lesson, "first read: exception", first.exception_code,
                 "STATUS_GUARD_PAGE_VIOLATION is 0x80000001");
    value_protect(lesson, "protection after the first read", after);
    wm_value_text(lesson, "second read", second.outcome == WM_PROBE_DONE ? "ok" : "faulted");
    wm_claim(lesson, NULL, "The first touch raised STATUS_GUARD_PAGE_VIOLATION at the page.",
             first.outcome == WM_PROBE_GUARD_PAGE && first.fault_address == (uintptr_t)page);
    wm_claim(lesson, NULL, "The guard was removed: the page is plain PAGE_READWRITE afterwards.",
             armed == (PAGE_READWRITE | PAGE_GUARD) && after == PAGE_READWRITE);
    wm_claim(lesson, NULL, "The second touch went through.", second.outcome == WM_PROBE_DONE);
    error = wm_vm_release(page);
    wm_claim_success(lesson, "VirtualFree(MEM_RELEASE)", error);

    /* GetCurrentThreadStackLimits: [low, high) of this thread's stack reservation. */
    GetCurrentThreadStackLimits(&low, &high);
    error = measure_stack((uintptr_t)low, (uintptr_t)high, system->page_size, &layout);
    wm_claim_success(lesson, "VirtualQuery over this thread's stack", error);
    wm_value_address(lesson, "stack reservation low", (uintptr_t)low);
    wm_value_address(lesson, "stack reservation high", (uintptr_t)high);
    wm_value_bytes(lesson, "stack reserved (not committed)", layout.reserved);
    wm_value_bytes(lesson, "stack committed", layout.committed);
    wm_value_count(lesson, "guard pages", layout.guard_pages, "pages");
    wm_value_address(lesson, "lowest guard page", layout.guard_address);
    wm_claim(lesson, NULL, "The stack has a guard page.", layout.guard_pages > 0);
    /* Thread Stack Size (Microsoft Learn): "The system commits additional pages from the
     * reserved stack memory as they are needed". Nothing only reserved: all committed. */
    wm_claim_or_deviation(lesson, NULL,
                          "Most of the stack is only reserved: pages are committed as it grows, "
                          "the guard page moving down in front of it.",
                          layout.reserved > layout.committed,
                          layout.reserved == 0 && layout.committed > 0, &STACK_COMMITTED_UP_FRONT);
}

/* ------------------------------------------------------------------------------------ */
/* Step 4. DEP and W^X.                                                                 */
/* ------------------------------------------------------------------------------------ */

static void show_dep(wm_lesson_t *lesson, const wm_system_t *system)
{
    wm_probe_result_t blocked;
    wm_probe_result_t ran;
    unsigned char *code = NULL;
    DWORD old_protect = 0;
    DWORD now = 0;
    DWORD error = ERROR_SUCCESS;
    BOOL flushed = FALSE;

    wm_step(lesson, "DEP: data is not code",
            "Data Execution Prevention refuses to run instructions from a page without an "
            "execute right; on x64 it is always on. Code written into a PAGE_READWRITE page "
            "(what a JIT compiler or an exploit does) faults with access type 8. To run it, "
            "make the page PAGE_EXECUTE_READ with VirtualProtect, then call "
            "FlushInstructionCache. Never leave a page writable and executable at once "
            "(PAGE_EXECUTE_READWRITE): an attacker who can write there can run anything. "
            "That rule is called W^X, write xor execute.");

    code = page_with_code(system, PAGE_READWRITE, return_42, sizeof return_42, &error);
    wm_claim_success(lesson, "A PAGE_READWRITE page holding \"mov eax, 42; ret\"", error);
    if (code == NULL) {
        return;
    }
    error = wm_probe(WM_PROBE_EXECUTE, code, 0, &blocked);
    wm_claim_success(lesson, "wm_probe (execute the read-write page)", error);
    wm_value_hex(lesson, "exception", blocked.exception_code, "0xC0000005 access violation");
    wm_value_count(lesson, "ExceptionInformation[0]", blocked.access_type, "(8 = DEP)");
    wm_value_address(lesson, "ExceptionInformation[1]", blocked.fault_address);
    wm_claim(lesson, NULL,
             "Running it faults: an access violation of type 8 at the code's address.",
             blocked.outcome == WM_PROBE_ACCESS_VIOLATION &&
                 blocked.access_type == WM_ACCESS_TYPE_EXECUTE &&
                 blocked.fault_address == (uintptr_t)code);

    error = wm_protect_change(code, system->page_size, PAGE_EXECUTE_READ, /* W^X: no write */
                              &old_protect);
    wm_claim_success(lesson, "VirtualProtect(PAGE_EXECUTE_READ)", error);
    /* FlushInstructionCache: required after writing code, before running it. */
    flushed = FlushInstructionCache(GetCurrentProcess(), code, sizeof return_42);
    wm_claim(lesson, NULL, "FlushInstructionCache succeeded.", flushed);
    error = wm_probe(WM_PROBE_EXECUTE, code, 0, &ran);
    wm_claim_success(lesson, "wm_probe (execute again)", error);
    wm_value_count(lesson, "the code returned", ran.value, NULL);
    wm_claim(lesson, NULL, "After the change the same bytes run and return 42.",
             ran.outcome == WM_PROBE_DONE && ran.value == RETURNED_VALUE);
    error = wm_protect_query(code, &now);
    wm_claim_success(lesson, "VirtualQuery", error);
    value_protect(lesson, "protection now", now);
    wm_claim(lesson, NULL, "The page was writable, then executable, never both (W^X).",
             old_protect == PAGE_READWRITE && now == PAGE_EXECUTE_READ);
    error = wm_vm_release(code);
    wm_claim_success(lesson, "VirtualFree(MEM_RELEASE)", error);
}

/* ------------------------------------------------------------------------------------ */
/* Step 5. Fenced blocks.                                                               */
/* ------------------------------------------------------------------------------------ */

static void show_fenced_blocks(wm_lesson_t *lesson)
{
    wm_fence_t after;
    wm_fence_t before;
    wm_probe_result_t overrun;
    wm_probe_result_t underrun;
    wm_probe_result_t stale;
    wm_probe_result_t heap_overrun;
    HANDLE heap = NULL;
    unsigned char *heap_block = NULL;
    DWORD error = ERROR_SUCCESS;
    BOOL freed = FALSE;

    wm_step(lesson, "Fenced blocks: catch the off-by-one where it happens",
            "The full page heap (gflags /p /enable program.exe /full, or Application "
            "Verifier) places each block so that it ends exactly where an inaccessible page "
            "begins. An overrun by one byte then faults at the faulting instruction, not "
            "minutes later in unrelated code. A fence before the block catches underruns; "
            "freeing makes the pages inaccessible, so a use after free faults too. The "
            "price: at least two pages per block. The same off-by-one on an ordinary heap "
            "block lands in padding or a neighbour, silently.");

    error = wm_fence_alloc(BLOCK_BYTES, WM_FENCE_AFTER, &after);
    wm_claim_success(lesson, "wm_fence_alloc(100 bytes, fence after)", error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    error = wm_probe(WM_PROBE_WRITE, after.block + BLOCK_BYTES - 1, PATTERN, &overrun);
    wm_claim_success(lesson, "wm_probe (write block[99])", error);
    wm_claim(lesson, NULL, "block[99], the last byte, is ordinary memory.",
             overrun.outcome == WM_PROBE_DONE);
    error = wm_probe(WM_PROBE_WRITE, after.block + BLOCK_BYTES, PATTERN, &overrun);
    wm_claim_success(lesson, "wm_probe (write block[100])", error);
    wm_value_address(lesson, "block", (uintptr_t)after.block);
    wm_value_address(lesson, "block + 100", (uintptr_t)(after.block + BLOCK_BYTES));
    wm_value_address(lesson, "fault address", overrun.fault_address);
    wm_claim(lesson, NULL, "Writing block[100] faults at exactly block + 100.",
             overrun.outcome == WM_PROBE_ACCESS_VIOLATION &&
                 overrun.access_type == WM_ACCESS_TYPE_WRITE &&
                 overrun.fault_address == (uintptr_t)(after.block + BLOCK_BYTES));
    error = wm_fence_free(&after);
    wm_claim_success(lesson, "wm_fence_free (decommit, keep the addresses)", error);
    error = wm_probe(WM_PROBE_READ, after.block, 0, &stale);
    wm_claim_success(lesson, "wm_probe (read block[0] after the free)", error);
    wm_claim(lesson, NULL, "A use after free faults at the freed block.",
             stale.outcome == WM_PROBE_ACCESS_VIOLATION &&
                 stale.fault_address == (uintptr_t)after.block);
    error = wm_fence_release(&after);
    wm_claim_success(lesson, "wm_fence_release", error);

    error = wm_fence_alloc(BLOCK_BYTES, WM_FENCE_BEFORE, &before);
    wm_claim_success(lesson, "wm_fence_alloc(100 bytes, fence before)", error);
    if (error == ERROR_SUCCESS) {
        error = wm_probe(WM_PROBE_READ, before.block - 1, 0, &underrun);
        wm_claim_success(lesson, "wm_probe (read block[-1])", error);
        wm_claim(lesson, NULL, "Reading block[-1] faults at exactly block - 1.",
                 underrun.outcome == WM_PROBE_ACCESS_VIOLATION &&
                     underrun.fault_address == (uintptr_t)(before.block - 1));
        error = wm_fence_release(&before);
        wm_claim_success(lesson, "wm_fence_release", error);
    }

    heap = GetProcessHeap();
    heap_block = (unsigned char *)HeapAlloc(heap, 0, /* no flags: the usual malloc-like call */
                                            BLOCK_BYTES);
    wm_claim(lesson, NULL, "HeapAlloc(100 bytes) succeeded.", heap_block != NULL);
    if (heap_block == NULL) {
        return;
    }
    error = wm_probe(WM_PROBE_WRITE, heap_block + BLOCK_BYTES, PATTERN, &heap_overrun);
    wm_claim_success(lesson, "wm_probe (write heap_block[100])", error);
    wm_claim(lesson, NULL, "The same off-by-one on a heap block goes unnoticed: no fault.",
             heap_overrun.outcome == WM_PROBE_DONE);
    freed = HeapFree(heap, 0, heap_block);
    wm_claim(lesson, NULL, "HeapFree succeeded (the byte landed in the block's padding).", freed);
}

/* ------------------------------------------------------------------------------------ */
/* Step 6. Stack overflow.                                                              */
/* ------------------------------------------------------------------------------------ */

static void show_stack_overflow(wm_lesson_t *lesson)
{
    wm_output_t output;
    ULONG guarantee = STACK_GUARANTEE;
    ULONG previous = 0;
    ULONG queried = 0;
    DWORD exit_code = 0;
    DWORD error = ERROR_SUCCESS;
    BOOL set = FALSE;

    wm_step(lesson, "Stack overflow",
            "A thread that recurses without end grows its stack into the guard page until "
            "the reservation runs out; then the system raises EXCEPTION_STACK_OVERFLOW "
            "(0xC00000FD). Unhandled, it ends the process. It happens once per thread: the "
            "guard page is used up, and the next overflow gets no warning. A handler has "
            "almost no stack left to run on; SetThreadStackGuarantee asks the system to "
            "keep some for it. The recursion runs in a child process.");

    error = run_child(CHILD_OVERFLOW, &output, &exit_code);
    wm_claim_success(lesson, "Running the child (unbounded recursion)", error);
    wm_value_hex(lesson, "child exit code", exit_code, "STATUS_STACK_OVERFLOW is 0xC00000FD");
    /* GetExitCodeProcess (Microsoft Learn): a process ended by an unhandled exception has
     * the exception's code as its exit code. */
    /* The deviation: exit code 0 (seen with Wine 8.0) or 1 (Wine 10.0), and the child never
     * printed that its recursion ended (the line it would print before returning 1). */
    wm_claim_or_deviation(lesson, NULL, "The child ended with EXCEPTION_STACK_OVERFLOW.",
                          exit_code == EXIT_STACK_OVERFLOW,
                          error == ERROR_SUCCESS && (exit_code == 0 || exit_code == 1) &&
                              strstr(output.text, "the recursion ended") == NULL,
                          &STACK_OVERFLOW_NO_STATUS);

    /* SetThreadStackGuarantee: in, the bytes wanted; out, the previous guarantee. */
    previous = guarantee;
    set = SetThreadStackGuarantee(&previous);
    wm_claim(lesson, NULL, "SetThreadStackGuarantee(64 KiB) succeeded.", set);
    queried = 0;
    set = SetThreadStackGuarantee(&queried); /* 0 asks, and changes nothing */
    wm_value_bytes(lesson, "guarantee now", queried);
    wm_claim(lesson, NULL, "Asking again returns the 64 KiB guarantee.",
             set && queried == guarantee);
    /* What the guarantee is for, a handler running on it after an overflow, is not observed
     * here (the child above has no handler): a note, not a claim. */
    wm_note(lesson, "The guarantee is per thread and must be set before the overflow; a "
                    "handler may then use that much stack after it (SetThreadStackGuarantee "
                    "on Microsoft Learn). This lesson does not overflow with a handler, so it "
                    "does not show that part.");
}

/* The child of step 6: recurses until the stack runs out. limit is never reached: it keeps
 * the compiler from seeing an infinite recursion. */
static unsigned recurse(volatile unsigned char *previous, unsigned depth, unsigned limit)
{
    volatile unsigned char frame[256];

    frame[0] = previous[0];
    frame[sizeof frame - 1] = (unsigned char)depth;
    if (depth == limit) {
        return frame[0];
    }
    return recurse(frame, depth + 1, limit) + frame[sizeof frame - 1];
}

static int run_overflow_child(void)
{
    volatile unsigned char start[1] = {0};
    unsigned result = 0;

    printf("recursing until the stack runs out\n");
    fflush(stdout);
    result = recurse(start, 0, UINT32_MAX);
    printf("the recursion ended: %u\n", result);
    return WM_EXIT_FAILED;
}

/* ------------------------------------------------------------------------------------ */
/* Step 7. Another process's memory.                                                    */
/* ------------------------------------------------------------------------------------ */

/* Starts this program with --child=sleep and waits until it says it is ready (its loader
 * has mapped kernel32.dll: before that, its memory is not all there). *info gets its
 * handles (close both). The child's standard output is a pipe, read here up to the first
 * line break. */
static DWORD start_sleeping_child(PROCESS_INFORMATION *info)
{
    SECURITY_ATTRIBUTES inheritable;
    STARTUPINFOW startup;
    wchar_t self[MAX_PATH];
    wchar_t command_line[MAX_PATH + 64];
    HANDLE read_end = NULL;
    HANDLE write_end = NULL;
    char ready = '\0';
    DWORD got = 0;
    BOOL done = FALSE;
    DWORD error = ERROR_SUCCESS;

    memset(info, 0, sizeof *info);
    memset(&inheritable, 0, sizeof inheritable);
    inheritable.nLength = sizeof inheritable;
    inheritable.bInheritHandle = TRUE; /* the child gets the write end */
    error = wm_process_self_path(self, MAX_PATH);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    done = CreatePipe(&read_end, &write_end, &inheritable, 0); /* 0: the default buffer */
    if (!done) {
        return GetLastError();
    }
    /* Only the write end may be inherited: a child holding the read end too would keep the
     * pipe open and the read below could never see its end. */
    done = SetHandleInformation(read_end, HANDLE_FLAG_INHERIT, 0); /* 0: not inherited */
    if (!done) {
        error = GetLastError();
        goto cleanup;
    }
    memset(&startup, 0, sizeof startup);
    startup.cb = sizeof startup;
    startup.dwFlags = STARTF_USESTDHANDLES; /* the three handles below */
    startup.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
    startup.hStdOutput = write_end;
    startup.hStdError = GetStdHandle(STD_ERROR_HANDLE);
    swprintf(command_line, sizeof command_line / sizeof command_line[0], L"\"%ls\" --child=%ls",
             self, CHILD_SLEEP);
    done = CreateProcessW(self, command_line, NULL, NULL, TRUE, /* inherit the pipe's end */
                          0, NULL, NULL, &startup, info);       /* plain, runs at once */
    if (!done) {
        error = GetLastError();
        goto cleanup;
    }
    /* Our copy of the write end must go, or the read waits forever if the child dies. */
    done = CloseHandle(write_end);
    if (!done) {
        error = GetLastError();
        write_end = NULL;
        goto cleanup;
    }
    write_end = NULL;
    while (error == ERROR_SUCCESS && ready != '\n') {
        done = ReadFile(read_end, &ready, 1, &got, NULL); /* one byte at a time, synchronous */
        if (!done) {
            error = GetLastError(); /* ERROR_BROKEN_PIPE: the child ended first */
        } else if (got == 0) {
            error = ERROR_BROKEN_PIPE;
        }
    }

cleanup:
    if (write_end != NULL) {
        (void)CloseHandle(write_end); /* the first error is the one reported */
    }
    (void)CloseHandle(read_end);
    if (error != ERROR_SUCCESS && info->hProcess != NULL) {
        (void)TerminateProcess(info->hProcess, KILLED_EXIT_CODE);
        (void)CloseHandle(info->hThread);
        (void)CloseHandle(info->hProcess);
        memset(info, 0, sizeof *info);
    }
    return error;
}

static void show_other_process(wm_lesson_t *lesson, const wm_system_t *system)
{
    PROCESS_INFORMATION child;
    HANDLE limited = NULL;
    HANDLE reader = NULL;
    HMODULE kernel32 = NULL;
    unsigned char bytes[IMAGE_SIGNATURE_BYTES] = {0, 0};
    unsigned char *page = NULL;
    SIZE_T copied = 0;
    DWORD denied_error = ERROR_SUCCESS;
    DWORD own_error = ERROR_SUCCESS;
    DWORD error = ERROR_SUCCESS;
    DWORD waited = 0;
    BOOL read = FALSE;
    BOOL own_read = FALSE;
    BOOL closed = FALSE;

    wm_step(lesson, "Memory that belongs to another process",
            "Each process has its own address space; another process's memory is reached "
            "only through a handle with the right access: PROCESS_VM_READ for "
            "ReadProcessMemory, PROCESS_VM_WRITE and PROCESS_VM_OPERATION for "
            "WriteProcessMemory. Ask for exactly the rights you need, never "
            "PROCESS_ALL_ACCESS. Page protection still applies: ReadProcessMemory fails on a "
            "no-access page. The lesson starts a copy of itself and reads the first bytes of "
            "kernel32.dll's image there (system DLLs load at the same address in every "
            "process of a boot).");

    memset(&child, 0, sizeof child);
    kernel32 = GetModuleHandleW(L"kernel32.dll"); /* loaded in every process: no reference */
    error = start_sleeping_child(&child);
    wm_claim_success(lesson, "CreateProcessW (a sleeping copy of this program)", error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    limited = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, /* may see it, not read it */
                          FALSE, child.dwProcessId);         /* not inheritable */
    wm_claim(lesson, NULL, "OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION) succeeded.",
             limited != NULL);
    if (limited != NULL) {
        read = ReadProcessMemory(limited, kernel32, bytes, sizeof bytes, &copied);
        denied_error = read ? ERROR_SUCCESS : GetLastError();
        value_error(lesson, "ReadProcessMemory without PROCESS_VM_READ", denied_error);
        wm_claim(lesson, NULL, "Without PROCESS_VM_READ the read is refused: ERROR_ACCESS_DENIED.",
                 !read && denied_error == ERROR_ACCESS_DENIED);
    }
    reader = OpenProcess(PROCESS_VM_READ, /* exactly the right ReadProcessMemory needs */
                         FALSE, child.dwProcessId);
    wm_claim(lesson, NULL, "OpenProcess(PROCESS_VM_READ) succeeded.", reader != NULL);
    if (reader != NULL) {
        read = ReadProcessMemory(reader, kernel32, bytes, sizeof bytes, &copied);
        wm_value_address(lesson, "kernel32.dll image", (uintptr_t)kernel32);
        wm_value_count(lesson, "bytes read", copied, "bytes");
        wm_claim(lesson, NULL, "With it, the child's bytes are read: \"MZ\", an image's signature.",
                 read && copied == sizeof bytes && bytes[0] == 'M' && bytes[1] == 'Z');
    }

    page = page_with_code(system, PAGE_NOACCESS, NULL, 0, &error);
    wm_claim_success(lesson, "A PAGE_NOACCESS page of our own", error);
    if (page != NULL) {
        own_read = ReadProcessMemory(GetCurrentProcess(), page, bytes, sizeof bytes, &copied);
        own_error = own_read ? ERROR_SUCCESS : GetLastError();
        value_error(lesson, "ReadProcessMemory of a no-access page", own_error);
        /* ReadProcessMemory (Microsoft Learn): "if it is not accessible the function
         * fails". The deviation: the call succeeded and copied the bytes. */
        wm_claim_or_deviation(lesson, NULL, "ReadProcessMemory refuses to read a no-access page.",
                              !own_read, own_read && copied == sizeof bytes,
                              &READ_PROCESS_MEMORY_IGNORES_NOACCESS);
        error = wm_vm_release(page);
        wm_claim_success(lesson, "VirtualFree(MEM_RELEASE)", error);
    }

    /* Cleanup, in reverse order. */
    if (reader != NULL) {
        closed = CloseHandle(reader);
        wm_claim(lesson, NULL, "CloseHandle (the PROCESS_VM_READ handle) succeeded.", closed);
    }
    if (limited != NULL) {
        closed = CloseHandle(limited);
        wm_claim(lesson, NULL, "CloseHandle (the limited handle) succeeded.", closed);
    }
    closed = TerminateProcess(child.hProcess, KILLED_EXIT_CODE);
    wm_claim(lesson, NULL, "TerminateProcess (the sleeping child) succeeded.", closed);
    waited = WaitForSingleObject(child.hProcess, WM_CHILD_TIME_LIMIT_MS); /* until it is gone */
    wm_claim(lesson, NULL, "The child ended.", waited == WAIT_OBJECT_0);
    closed = CloseHandle(child.hThread);
    wm_claim(lesson, NULL, "CloseHandle (the child's thread) succeeded.", closed);
    closed = CloseHandle(child.hProcess);
    wm_claim(lesson, NULL, "CloseHandle (the child) succeeded.", closed);
}

/* ------------------------------------------------------------------------------------ */
/* The table of contents.                                                               */
/* ------------------------------------------------------------------------------------ */

/* The hidden child modes: each prints a line and exits (or crashes). */
static int run_as_child(const wchar_t *mode)
{
    if (wcscmp(mode, CHILD_SEALED_WRITE) == 0) {
        return run_sealed_write_child();
    }
    if (wcscmp(mode, CHILD_OVERFLOW) == 0) {
        return run_overflow_child();
    }
    if (wcscmp(mode, CHILD_SLEEP) == 0) {
        printf("ready\n"); /* the lesson waits for this line */
        fflush(stdout);
        Sleep(CHILD_SLEEP_MS); /* the lesson terminates it long before */
        return WM_EXIT_OK;
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
         NULL /* internal: steps 2, 6 and 7 run a copy of this program with it */},
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
    show_truth_table(&lesson, &system);
    show_virtual_protect(&lesson, &system);
    show_guard_pages(&lesson, &system);
    show_dep(&lesson, &system);
    show_fenced_blocks(&lesson);
    show_stack_overflow(&lesson);
    show_other_process(&lesson, &system);
    return wm_lesson_end(&lesson);
}
