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
 *   2. Copy-on-write: a write to a FILE_MAP_COPY view makes a private PAGE_READWRITE copy.
 *   3. VirtualProtect: change and restore with the old value; it fails on reserved pages.
 *   4. A table sealed after start-up: a later write faults; in a child process with no
 *      handler for it, the same write ends the process with 0xC0000005.
 *   5. Guard pages: one exception, then an ordinary page.
 *   6. This thread's stack: mostly reserved, with a guard page in front of the committed part.
 *   7. DEP: code in a read-write page does not run (access type 8); after VirtualProtect to
 *      PAGE_EXECUTE_READ and FlushInstructionCache it does. Why W^X.
 *   8. Fenced blocks: an off-by-one past a 100-byte block faults at the exact byte, and so
 *      do an underrun and a use after free; the same bug on the heap goes unnoticed.
 *   9. The same off-by-one on an ordinary heap block: usually nothing happens.
 *  10. Stack overflow, in a child process: EXCEPTION_STACK_OVERFLOW; SetThreadStackGuarantee.
 *  11. Another process's memory: ReadProcessMemory needs PROCESS_VM_READ.
 *  12. ReadProcessMemory refuses a no-access page, even in its own process.
 *
 * Every access that faults is a line of C in this file (value = page[0]; page[0] = ...; a
 * call through a function pointer), caught by catch_fault below: a vectored exception
 * handler that records the exception and lets the program go on.
 *
 * Run:  protection [--json] [--pause]
 * Docs: docs/protection.md (every claim below has its evidence there, by its id)
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

#define LESSON_NAME "protection"
#define LESSON_TITLE                                                                               \
    "Every page has a protection: what it lets you read, write and run. Touching it otherwise "    \
    "raises an exception, and that is a feature."

/* x64 machine code the lesson runs: a lone "ret", and "mov eax, 42; ret". */
#define RET_OPCODE 0xC3
#define RETURNED_VALUE 42
static const unsigned char return_42[] = {0xB8, RETURNED_VALUE, 0x00, 0x00, 0x00, RET_OPCODE};

/* Not in every SDK's winerror.h: VirtualProtect's error when Arbitrary Code Guard (an
 * exploit protection) forbids this process to make a page executable. */
#ifndef ERROR_DYNAMIC_CODE_BLOCKED
#define ERROR_DYNAMIC_CODE_BLOCKED 1655L
#endif

/* The access types in ExceptionInformation[0] (EXCEPTION_RECORD on Microsoft Learn). */
#define ACCESS_READ 0
#define ACCESS_WRITE 1
#define ACCESS_EXECUTE 8           /* a DEP violation */
#define ACCESS_ANY ((ULONG_PTR)-1) /* the table's "not documented": any type will do */

/* Step 4: the configuration table's entries; entry i holds i * i + 1. */
#define CONFIG_ENTRIES 32
#define ENTRY_7 50u

/* Steps 8 and 9: the block with the off-by-one bug. */
#define BLOCK_BYTES 100

/* Step 10: how much stack SetThreadStackGuarantee asks to keep for a handler. */
#define STACK_GUARANTEE (64u * 1024u)

/* Step 11: the sleeping child's own time limit (the lesson ends it long before), and the
 * exit code the lesson gives it: any value; this one says "killed". */
#define CHILD_SLEEP_MS 30000u
#define KILLED_EXIT_CODE 99u

/* Exit codes of a crashed child: the exception's NTSTATUS (GetExitCodeProcess). */
#define EXIT_ACCESS_VIOLATION 0xC0000005u /* STATUS_ACCESS_VIOLATION */
#define EXIT_STACK_OVERFLOW 0xC00000FDu   /* STATUS_STACK_OVERFLOW */

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

/* What step 1 finds out for the steps after it. */
typedef struct lesson_state_s
{
    SYSTEM_INFO system; /* the page size */
    int code_blocked;   /* Arbitrary Code Guard: no page may be made executable */
} lesson_state_t;

/* What step 10's child reports if its recursion ever returns (it should not). */
typedef struct overflow_report_s
{
    uint64_t depth_reached; /* what the recursion returned */
} overflow_report_t;

/* ------------------------------------------------------------------------------------ */
/* The handler: every fault the lesson makes lands here.                                */
/* ------------------------------------------------------------------------------------ */

/* One fault, as the handler saw it. */
typedef struct fault_s
{
    DWORD code;            /* ExceptionCode; 0: no fault */
    ULONG_PTR access_type; /* ExceptionInformation[0]: 0 read, 1 write, 8 execute (DEP) */
    uintptr_t address;     /* ExceptionInformation[1]: the address touched */
} fault_t;

/* What the handler takes: faults at addresses in [low, high) on one thread, nothing else.
 * The one variable the steps share with the handler (a handler gets no context pointer). */
typedef struct watch_s
{
    uintptr_t low;
    uintptr_t high;
    DWORD thread;
    fault_t fault; /* the last fault taken */
} watch_t;

static volatile watch_t watch;

/* The handler takes faults in [base, base + size) on this thread, and forgets the last. */
static void watch_range(const volatile void *base, SIZE_T size)
{
    watch.low = (uintptr_t)base;
    watch.high = (uintptr_t)base + size;
    watch.thread = GetCurrentThreadId();
    watch.fault.code = 0;
    watch.fault.access_type = 0;
    watch.fault.address = 0;
}

static fault_t last_fault(void)
{
    fault_t fault;

    fault.code = watch.fault.code;
    fault.access_type = watch.fault.access_type;
    fault.address = watch.fault.address;
    return fault;
}

/* An execute fault stopped on the first instruction of the code called: leave as its "ret"
 * would, to the return address the call pushed. */
static void return_to_caller(CONTEXT *context)
{
#if defined(_M_ARM64) || defined(__aarch64__)
    context->Pc = context->Lr; /* the call put the return address in the link register */
#elif defined(_M_X64) || defined(__x86_64__)
    context->Rip = *(DWORD64 *)context->Rsp; /* the call pushed it */
    context->Rsp += sizeof(DWORD64);
#else
    context->Eip = *(DWORD *)context->Esp;
    context->Esp += sizeof(DWORD);
#endif
}

/*
 * The vectored exception handler (AddVectoredExceptionHandler, PVECTORED_EXCEPTION_HANDLER
 * on Microsoft Learn). It records a fault the lesson is watching for and resumes: an
 * execute returns to its caller; a guard page has lost its guard already, so the access runs
 * again and succeeds; any other page is opened (PAGE_READWRITE, or committed if it was only
 * reserved) and the access runs again. Everything else goes on to the next handler.
 */
static LONG CALLBACK catch_fault(EXCEPTION_POINTERS *pointers)
{
    EXCEPTION_RECORD *record = pointers->ExceptionRecord;
    uintptr_t address = 0;
    DWORD old_protect = 0;
    BOOL opened = FALSE;
    void *committed = NULL;

    if (record->ExceptionCode != EXCEPTION_ACCESS_VIOLATION &&
        record->ExceptionCode != STATUS_GUARD_PAGE_VIOLATION) {
        return EXCEPTION_CONTINUE_SEARCH;
    }
    address = (uintptr_t)record->ExceptionInformation[1];
    if (record->NumberParameters < 2 || GetCurrentThreadId() != watch.thread ||
        address < watch.low || address >= watch.high) {
        return EXCEPTION_CONTINUE_SEARCH; /* not ours */
    }
    watch.fault.code = record->ExceptionCode;
    watch.fault.access_type = record->ExceptionInformation[0];
    watch.fault.address = address;
    if ((uintptr_t)record->ExceptionAddress == address) {
        return_to_caller(pointers->ContextRecord); /* it faulted fetching the instruction */
        return EXCEPTION_CONTINUE_EXECUTION;
    }
    if (record->ExceptionCode == STATUS_GUARD_PAGE_VIOLATION) {
        return EXCEPTION_CONTINUE_EXECUTION; /* the system removed the guard */
    }
    opened = VirtualProtect((void *)address, 1, PAGE_READWRITE, &old_protect);
    if (!opened) {
        committed = VirtualAlloc((void *)address, 1, MEM_COMMIT, PAGE_READWRITE); /* reserved */
    }
    if (!opened && committed == NULL) {
        return EXCEPTION_CONTINUE_SEARCH; /* cannot resume safely: let it crash */
    }
    return EXCEPTION_CONTINUE_EXECUTION;
}

/* The three accesses the lesson makes, as plain C. */
typedef enum access_e
{
    READ,
    WRITE,
    EXECUTE
} access_t;

typedef int (*code_fn)(void);

/* Reads, writes or runs page[0]; returns what was read or what the code returned. A write
 * stores a ret, so the page still holds code afterwards. */
static int touch(volatile unsigned char *page, access_t access)
{
    code_fn run = NULL;
    void *code = (void *)(uintptr_t)page;
    int value = 0;

    switch (access) {
    case READ:
        value = page[0]; /* a read */
        break;
    case WRITE:
        page[0] = RET_OPCODE; /* a write */
        break;
    case EXECUTE:
        memcpy(&run, &code, sizeof run); /* the page's address as a function */
        value = run();                   /* an execute */
        break;
    }
    return value;
}

/* ------------------------------------------------------------------------------------ */
/* Values.                                                                              */
/* ------------------------------------------------------------------------------------ */

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

/* The protection of the page holding address (VirtualQuery), or 0 if the query failed. */
static DWORD protect_of(const volatile void *address)
{
    MEMORY_BASIC_INFORMATION region;
    SIZE_T written = 0;

    written = VirtualQuery((const void *)(uintptr_t)address, &region, sizeof region);
    return written != 0 ? region.Protect : 0;
}

/* ------------------------------------------------------------------------------------ */
/* Step 1. The truth table.                                                             */
/* ------------------------------------------------------------------------------------ */

/* What Microsoft documents for one access: 0 (it runs) or the exception, and its type. */
typedef struct expected_s
{
    DWORD code;
    ULONG_PTR access_type; /* ACCESS_ANY: not documented */
} expected_t;

/* One row of the table. */
typedef struct table_row_s
{
    const char *id;        /* the row's claim */
    DWORD protect;         /* the page's protection */
    int mapped_view;       /* 1: PAGE_WRITECOPY needs a view mapped with FILE_MAP_COPY */
    expected_t cells[3];   /* read, write, execute, as documented */
    int read_undocumented; /* 1: the read is not documented either way (PAGE_EXECUTE) */
    const char *documented;
} table_row_t;

#define RUNS                                                                                       \
    {                                                                                              \
        0, 0                                                                                       \
    }
#define AV(type)                                                                                   \
    {                                                                                              \
        EXCEPTION_ACCESS_VIOLATION, type                                                           \
    }
#define GUARD                                                                                      \
    {                                                                                              \
        STATUS_GUARD_PAGE_VIOLATION, ACCESS_ANY                                                    \
    }

/* Memory Protection Constants (Microsoft Learn), one row per protection. */
static const table_row_t truth_table[] = {
    {"prot.noaccess",
     PAGE_NOACCESS,
     0,
     {AV(ACCESS_READ), AV(ACCESS_WRITE), AV(ACCESS_ANY)},
     0,
     "nothing"},
    {"prot.readonly", PAGE_READONLY, 0, {RUNS, AV(ACCESS_WRITE), AV(ACCESS_EXECUTE)}, 0, "read"},
    {"prot.readwrite", PAGE_READWRITE, 0, {RUNS, RUNS, AV(ACCESS_EXECUTE)}, 0, "read, write"},
    {"prot.execute",
     PAGE_EXECUTE,
     0,
     {AV(ACCESS_READ), AV(ACCESS_WRITE), RUNS},
     1,
     "execute; a write faults"},
    {"prot.execute-read", PAGE_EXECUTE_READ, 0, {RUNS, AV(ACCESS_WRITE), RUNS}, 0, "read, execute"},
    {"prot.execute-readwrite", PAGE_EXECUTE_READWRITE, 0, {RUNS, RUNS, RUNS}, 0, "everything"},
    {"prot.writecopy",
     PAGE_WRITECOPY,
     1,
     {RUNS, RUNS, AV(ACCESS_EXECUTE)},
     0,
     "read; a write copies the page"},
    {"prot.guard",
     PAGE_READWRITE | PAGE_GUARD,
     0,
     {GUARD, GUARD, GUARD},
     0,
     "first touch: guard exception"},
};

/* A fresh page holding a lone ret, given protect: VirtualAlloc writable, write the ret,
 * VirtualProtect, FlushInstructionCache. NULL with *error set on failure. */
static unsigned char *page_with_ret(const SYSTEM_INFO *system, DWORD protect, DWORD *error)
{
    unsigned char *page = NULL;
    DWORD old_protect = 0;
    BOOL ok = FALSE;

    page = (unsigned char *)VirtualAlloc(NULL, system->dwPageSize,
                                         MEM_RESERVE | MEM_COMMIT, /* one page, usable now */
                                         PAGE_READWRITE);          /* to write the code */
    if (page == NULL) {
        *error = GetLastError();
        return NULL;
    }
    page[0] = RET_OPCODE;
    ok = VirtualProtect(page, system->dwPageSize, protect, &old_protect);
    if (ok) {
        ok = FlushInstructionCache(GetCurrentProcess(), page, 1); /* after writing code */
    }
    *error = ok ? ERROR_SUCCESS : GetLastError();
    if (!ok) {
        (void)VirtualFree(page, 0, MEM_RELEASE);
        return NULL;
    }
    return page;
}

/* A fresh copy-on-write view of a one-page mapping; *mapping gets the mapping's handle. */
static unsigned char *copy_on_write_view(const SYSTEM_INFO *system, HANDLE *mapping, DWORD *error)
{
    unsigned char *view = NULL;

    *mapping = CreateFileMappingW(INVALID_HANDLE_VALUE,         /* backed by the page file */
                                  NULL, PAGE_READWRITE,         /* views may read and write */
                                  0, system->dwPageSize, NULL); /* one page, no name */
    if (*mapping == NULL) {
        *error = GetLastError();
        return NULL;
    }
    view = (unsigned char *)MapViewOfFile(*mapping, FILE_MAP_COPY, /* PAGE_WRITECOPY */
                                          0, 0, 0);                /* all of it */
    *error = view != NULL ? ERROR_SUCCESS : GetLastError();
    if (view == NULL) {
        (void)CloseHandle(*mapping);
        *mapping = NULL;
    }
    return view;
}

/* Gives back a page of the table. */
static void free_row_page(unsigned char *page, HANDLE mapping)
{
    if (mapping == NULL) {
        (void)VirtualFree(page, 0, MEM_RELEASE);
        return;
    }
    (void)UnmapViewOfFile(page);
    (void)CloseHandle(mapping);
}

/* One cell: a fresh page of the row's protection, one access, and the fault if any. */
static DWORD try_cell(const SYSTEM_INFO *system, const table_row_t *row, access_t access,
                      fault_t *fault, uintptr_t *address)
{
    unsigned char *page = NULL;
    HANDLE mapping = NULL;
    DWORD error = ERROR_SUCCESS;

    page = row->mapped_view ? copy_on_write_view(system, &mapping, &error)
                            : page_with_ret(system, row->protect, &error);
    if (page == NULL) {
        return error;
    }
    watch_range(page, system->dwPageSize);
    (void)touch(page, access);
    *fault = last_fault();
    *address = (uintptr_t)page;
    free_row_page(page, mapping);
    return ERROR_SUCCESS;
}

/* 1 when the fault is what expected documents, at the page's address. */
static int as_documented(const fault_t *fault, const expected_t *expected, uintptr_t address)
{
    if (fault->code != expected->code) {
        return 0;
    }
    if (fault->code == 0) {
        return 1;
    }
    if (expected->access_type != ACCESS_ANY && fault->access_type != expected->access_type) {
        return 0;
    }
    return fault->address == address;
}

/* A fault in a few letters: "ok", "AV(1)" (an access violation, type 1: a write), "guard". */
static void describe(const fault_t *fault, char *text, size_t capacity)
{
    if (fault->code == 0) {
        snprintf(text, capacity, "ok");
    } else if (fault->code == STATUS_GUARD_PAGE_VIOLATION) {
        snprintf(text, capacity, "guard");
    } else {
        snprintf(text, capacity, "AV(%lu)", (unsigned long)fault->access_type);
    }
}

/* Tries the three accesses on one row; *held: all as documented; "n/a" under ACG. */
static DWORD try_row(const lesson_state_t *state, const table_row_t *row, char cells[3][16],
                     int *held, int *read_ran)
{
    fault_t fault;
    uintptr_t address = 0;
    DWORD error = ERROR_SUCCESS;
    int access = 0;

    memset(&fault, 0, sizeof fault);
    *held = 1;
    for (access = READ; access <= EXECUTE; access++) {
        error = try_cell(&state->system, row, (access_t)access, &fault, &address);
        if (error != ERROR_SUCCESS) {
            return error;
        }
        describe(&fault, cells[access], sizeof cells[access]);
        if (row->read_undocumented && access == READ) {
            *read_ran = fault.code == 0;
        } else if (!as_documented(&fault, &row->cells[access], address)) {
            *held = 0;
        }
    }
    return ERROR_SUCCESS;
}

/* Arbitrary Code Guard (exploit protection) refuses to make any page executable: then
 * VirtualProtect fails with ERROR_DYNAMIC_CODE_BLOCKED. 1 if it does here. */
static int code_is_blocked(const SYSTEM_INFO *system)
{
    DWORD error = ERROR_SUCCESS;
    unsigned char *page = NULL;

    page = page_with_ret(system, PAGE_EXECUTE_READ, &error);
    if (page != NULL) {
        (void)VirtualFree(page, 0, MEM_RELEASE);
    }
    return page == NULL && error == (DWORD)ERROR_DYNAMIC_CODE_BLOCKED;
}

static void show_truth_table(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    const table_row_t *row = NULL;
    char cells[3][16];
    char name[WM_PROTECT_NAME_MAX];
    char line[160];
    char claim[256];
    void *handler = NULL;
    DWORD error = ERROR_SUCCESS;
    size_t i = 0;
    int held = 0;
    int read_ran = 0;

    GetSystemInfo(&state->system); /* cannot fail */
    state->code_blocked = code_is_blocked(&state->system);
    handler = AddVectoredExceptionHandler(1, /* first: before any other handler */
                                          catch_fault);
    if (!wm_require_win32(lesson, "AddVectoredExceptionHandler", handler != NULL)) {
        return;
    }
    for (i = 0; i < sizeof truth_table / sizeof truth_table[0]; i++) {
        row = &truth_table[i];
        (void)wm_protect_format(row->protect, name, sizeof name);
        error = try_row(state, row, cells, &held, &read_ran);
        if (error == (DWORD)ERROR_DYNAMIC_CODE_BLOCKED && state->code_blocked) {
            wm_value_text(lesson, name, "unavailable here: Arbitrary Code Guard forbids it");
            continue;
        }
        if (!wm_require(lesson, "A page for the table (VirtualAlloc, VirtualProtect)", error)) {
            break;
        }
        snprintf(line, sizeof line, "read %-6s write %-6s execute %-6s documented: %s", cells[0],
                 cells[1], cells[2], row->documented);
        wm_value_text(lesson, name, line);
        snprintf(claim, sizeof claim, "%s: every access behaves as Microsoft documents%s.", name,
                 row->read_undocumented ? " (the read aside)" : "");
        wm_claim(lesson, row->id, claim, held);
        if (row->read_undocumented) {
            wm_note(lesson,
                    "PAGE_EXECUTE read: %s. Memory Protection Constants promises only that a "
                    "write faults; x64 page tables cannot express execute-only pages. Never "
                    "rely on either outcome.",
                    read_ran ? "it went through" : "it faulted");
        }
    }
    (void)RemoveVectoredExceptionHandler(handler);
}

/* ------------------------------------------------------------------------------------ */
/* Step 2. Copy-on-write.                                                               */
/* ------------------------------------------------------------------------------------ */

static void show_copy_on_write(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    HANDLE mapping = NULL;
    volatile unsigned char *view = NULL;
    DWORD before = 0;
    DWORD after = 0;
    BOOL ok = FALSE;

    mapping = CreateFileMappingW(INVALID_HANDLE_VALUE,               /* backed by the page file */
                                 NULL, PAGE_READWRITE,               /* views may read and write */
                                 0, state->system.dwPageSize, NULL); /* one page, no name */
    if (!wm_require_win32(lesson, "CreateFileMappingW(PAGE_READWRITE)", mapping != NULL)) {
        return;
    }
    view = (volatile unsigned char *)MapViewOfFile(mapping, FILE_MAP_COPY, /* copy on write */
                                                   0, 0, 0);               /* all of it */
    if (wm_require_win32(lesson, "MapViewOfFile(FILE_MAP_COPY)", view != NULL)) {
        before = protect_of(view);
        view[0] = 1; /* the write that makes the private copy */
        after = protect_of(view);
        value_protect(lesson, "the view's page before the write", before);
        value_protect(lesson, "after the write", after);
        wm_claim(lesson, "prot.writecopy-view", "A FILE_MAP_COPY view's page is PAGE_WRITECOPY.",
                 before == PAGE_WRITECOPY);
        /* Memory Protection Constants: the written page becomes private PAGE_READWRITE. */
        wm_claim_or_deviation(lesson, "prot.writecopy-private",
                              "After the write the page is a private copy: PAGE_READWRITE, no "
                              "longer PAGE_WRITECOPY.",
                              after == PAGE_READWRITE, after == PAGE_WRITECOPY,
                              &WRITECOPY_STILL_REPORTED);
        ok = UnmapViewOfFile((const void *)(uintptr_t)view);
        (void)wm_require_win32(lesson, "UnmapViewOfFile", ok);
    }
    ok = CloseHandle(mapping);
    (void)wm_require_win32(lesson, "CloseHandle(the mapping)", ok);
}

/* ------------------------------------------------------------------------------------ */
/* Step 3. VirtualProtect: change and restore.                                          */
/* ------------------------------------------------------------------------------------ */

static void show_virtual_protect(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    SIZE_T page_size = state->system.dwPageSize;
    void *page = NULL;
    DWORD first_old = 0;
    DWORD second_old = 0;
    DWORD now = 0;
    DWORD reserved_error = ERROR_SUCCESS;
    BOOL ok = FALSE;

    page = VirtualAlloc(NULL, page_size, MEM_RESERVE | MEM_COMMIT, /* one usable page */
                        PAGE_READWRITE);
    if (!wm_require_win32(lesson, "VirtualAlloc(MEM_COMMIT, PAGE_READWRITE)", page != NULL)) {
        return;
    }
    ok = VirtualProtect(page, page_size, PAGE_READONLY, /* no more writes */
                        &first_old); /* must not be NULL: the call fails without it */
    if (!wm_require_win32(lesson, "VirtualProtect(PAGE_READONLY)", ok)) {
        return;
    }
    now = protect_of(page);
    ok = VirtualProtect(page, page_size, first_old, /* put back what was there */
                        &second_old);
    if (!wm_require_win32(lesson, "VirtualProtect(the old value)", ok)) {
        return;
    }
    value_protect(lesson, "old protection returned", first_old);
    value_protect(lesson, "protection now (VirtualQuery)", now);
    value_protect(lesson, "old protection returned by the restore", second_old);
    wm_claim(lesson, "prot.protect-returns-old",
             "The change returned PAGE_READWRITE and the page became PAGE_READONLY.",
             first_old == PAGE_READWRITE && now == PAGE_READONLY);
    wm_claim(lesson, "prot.protect-round-trip",
             "Restoring with the old value returned PAGE_READONLY: a round trip.",
             second_old == PAGE_READONLY);
    ok = VirtualFree(page, 0, MEM_RELEASE); /* size 0: the whole allocation */
    if (!wm_require_win32(lesson, "VirtualFree(MEM_RELEASE)", ok)) {
        return;
    }

    page = VirtualAlloc(NULL, page_size, MEM_RESERVE, /* address space only: no protection */
                        PAGE_NOACCESS);
    if (!wm_require_win32(lesson, "VirtualAlloc(MEM_RESERVE)", page != NULL)) {
        return;
    }
    ok = VirtualProtect(page, page_size, PAGE_READONLY, &first_old);
    reserved_error = ok ? ERROR_SUCCESS : GetLastError();
    value_error(lesson, "VirtualProtect on a reserved page", reserved_error);
    wm_claim(lesson, "prot.protect-reserved-fails",
             "VirtualProtect on a reserved (uncommitted) page fails.", !ok);
    ok = VirtualFree(page, 0, MEM_RELEASE);
    (void)wm_require_win32(lesson, "VirtualFree(MEM_RELEASE)", ok);
}

/* ------------------------------------------------------------------------------------ */
/* Step 4. A table sealed after start-up.                                               */
/* ------------------------------------------------------------------------------------ */

/* Commits a page for the configuration table, fills it (what start-up would read from a
 * file) and seals it: VirtualProtect(PAGE_READONLY). NULL on failure, *error set. */
static volatile uint32_t *sealed_table(SIZE_T page_size, DWORD *error)
{
    uint32_t *entries = NULL;
    DWORD old_protect = 0;
    BOOL sealed = FALSE;
    int i = 0;

    entries = (uint32_t *)VirtualAlloc(NULL, page_size, MEM_RESERVE | MEM_COMMIT,
                                       PAGE_READWRITE); /* writable while it is filled */
    if (entries == NULL) {
        *error = GetLastError();
        return NULL;
    }
    for (i = 0; i < CONFIG_ENTRIES; i++) {
        entries[i] = (uint32_t)(i * i + 1);
    }
    sealed = VirtualProtect(entries, page_size, PAGE_READONLY, /* sealed: reads only */
                            &old_protect);
    *error = sealed ? ERROR_SUCCESS : GetLastError();
    if (!sealed) {
        (void)VirtualFree(entries, 0, MEM_RELEASE);
        return NULL;
    }
    return entries;
}

static void show_sealed_table(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    volatile uint32_t *entries = NULL;
    void *handler = NULL;
    fault_t fault;
    wm_output_t output;
    DWORD exit_code = 0;
    DWORD error = ERROR_SUCCESS;
    BOOL ok = FALSE;

    entries = sealed_table(state->system.dwPageSize, &error);
    if (!wm_require(lesson, "VirtualAlloc, then VirtualProtect(PAGE_READONLY)", error)) {
        return;
    }
    handler = AddVectoredExceptionHandler(1, catch_fault); /* 1: first in the chain */
    if (wm_require_win32(lesson, "AddVectoredExceptionHandler", handler != NULL)) {
        watch_range(entries, state->system.dwPageSize);
        entries[7] = 0; /* the stray write */
        fault = last_fault();
        (void)RemoveVectoredExceptionHandler(handler);
        wm_value_address(lesson, "entry 7", (uintptr_t)&entries[7]);
        wm_value_address(lesson, "fault address", fault.address);
        wm_claim(lesson, "prot.sealed-write-faults",
                 "A later write to the sealed table faults: an access violation of type 1 "
                 "(write) at the entry's address.",
                 fault.code == EXCEPTION_ACCESS_VIOLATION && fault.access_type == ACCESS_WRITE &&
                     fault.address == (uintptr_t)&entries[7]);
    }
    ok = VirtualFree((void *)(uintptr_t)entries, 0, MEM_RELEASE);
    if (!wm_require_win32(lesson, "VirtualFree(MEM_RELEASE)", ok)) {
        return;
    }

    /* The same bug with no handler to take it: it runs in a child, whose crash is bounded
     * (no dialog, a time limit: wm_process_run_self). */
    memset(&output, 0, sizeof output);
    error = wm_process_run_self(L"--child=sealed-write", wm_output_collect, &output, &exit_code);
    if (!wm_require(lesson, "Running a copy of this program (CreateProcessW)", error)) {
        return;
    }
    wm_value_hex(lesson, "child exit code", exit_code, "STATUS_ACCESS_VIOLATION is 0xC0000005");
    wm_claim(lesson, "prot.unhandled-ends-process",
             "With no handler that takes it, the write ends the process, whose exit code is the "
             "exception's: 0xC0000005.",
             exit_code == EXIT_ACCESS_VIOLATION);
}

/* The child of step 4: seals a table and writes to it. Its handler is installed but watches
 * nothing, so it passes the fault on, as it must any fault that is not provably its own. */
static int run_sealed_write_child(void *context)
{
    volatile uint32_t *entries = NULL;
    void *handler = NULL;
    SYSTEM_INFO system;
    DWORD error = ERROR_SUCCESS;

    (void)context;
    GetSystemInfo(&system);
    entries = sealed_table(system.dwPageSize, &error);
    handler = AddVectoredExceptionHandler(1, catch_fault); /* watch_range never called */
    if (entries == NULL || handler == NULL) {
        return WM_EXIT_FAILED;
    }
    entries[7] = 0; /* the stray write: an access violation nobody takes */
    return WM_EXIT_FAILED;
}

/* ------------------------------------------------------------------------------------ */
/* Step 5. Guard pages: a one-shot alarm.                                               */
/* ------------------------------------------------------------------------------------ */

static void show_guard_pages(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    volatile unsigned char *page = NULL;
    void *handler = NULL;
    fault_t first;
    fault_t second;
    DWORD old_protect = 0;
    DWORD armed = 0;
    DWORD after = 0;
    BOOL ok = FALSE;

    page = (volatile unsigned char *)VirtualAlloc(NULL, state->system.dwPageSize,
                                                  MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    if (!wm_require_win32(lesson, "VirtualAlloc(MEM_COMMIT, PAGE_READWRITE)", page != NULL)) {
        return;
    }
    ok = VirtualProtect((void *)(uintptr_t)page, state->system.dwPageSize,
                        PAGE_READWRITE | PAGE_GUARD, /* a modifier: read-write, once armed */
                        &old_protect);
    handler = ok ? AddVectoredExceptionHandler(1, catch_fault) : NULL;
    if (wm_require_win32(lesson, "VirtualProtect(PAGE_GUARD), AddVectoredExceptionHandler",
                         handler != NULL)) {
        armed = protect_of(page);
        watch_range(page, state->system.dwPageSize);
        (void)touch(page, READ); /* the first touch */
        first = last_fault();
        after = protect_of(page);
        watch_range(page, state->system.dwPageSize);
        (void)touch(page, READ); /* the second touch */
        second = last_fault();
        (void)RemoveVectoredExceptionHandler(handler);
        value_protect(lesson, "protection when armed", armed);
        wm_value_hex(lesson, "first read: exception", first.code,
                     "STATUS_GUARD_PAGE_VIOLATION is 0x80000001");
        value_protect(lesson, "protection after the first read", after);
        wm_value_text(lesson, "second read", second.code == 0 ? "ok" : "faulted");
        wm_claim(lesson, "prot.guard-first-touch",
                 "The first touch raised STATUS_GUARD_PAGE_VIOLATION at the page.",
                 first.code == STATUS_GUARD_PAGE_VIOLATION && first.address == (uintptr_t)page);
        wm_claim(lesson, "prot.guard-removed",
                 "The guard was removed: the page is plain PAGE_READWRITE afterwards.",
                 armed == (PAGE_READWRITE | PAGE_GUARD) && after == PAGE_READWRITE);
        wm_claim(lesson, "prot.guard-second-touch", "The second touch went through.",
                 second.code == 0);
    }
    ok = VirtualFree((void *)(uintptr_t)page, 0, MEM_RELEASE);
    (void)wm_require_win32(lesson, "VirtualFree(MEM_RELEASE)", ok);
}

/* ------------------------------------------------------------------------------------ */
/* Step 6. This thread's stack.                                                         */
/* ------------------------------------------------------------------------------------ */

/* What VirtualQuery finds between low and high. */
typedef struct stack_layout_s
{
    SIZE_T committed;
    SIZE_T reserved;
    SIZE_T guard_pages;
    uintptr_t guard_address; /* the lowest guard page */
} stack_layout_t;

/* Walks [low, high) region by region with VirtualQuery. */
static DWORD measure_stack(uintptr_t low, uintptr_t high, SIZE_T page_size, stack_layout_t *layout)
{
    MEMORY_BASIC_INFORMATION region;
    uintptr_t address = low;
    SIZE_T written = 0;

    memset(layout, 0, sizeof *layout);
    while (address < high) {
        written = VirtualQuery((LPCVOID)address, &region, sizeof region);
        if (written == 0) {
            return GetLastError();
        }
        if (region.State == MEM_COMMIT) {
            layout->committed += region.RegionSize;
            if ((region.Protect & PAGE_GUARD) != 0) {
                if (layout->guard_pages == 0) {
                    layout->guard_address = address;
                }
                layout->guard_pages += region.RegionSize / page_size;
            }
        } else if (region.State == MEM_RESERVE) {
            layout->reserved += region.RegionSize;
        }
        address = (uintptr_t)region.BaseAddress + region.RegionSize;
    }
    return ERROR_SUCCESS;
}

static void show_the_stack(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    stack_layout_t layout;
    ULONG_PTR low = 0;
    ULONG_PTR high = 0;
    DWORD error = ERROR_SUCCESS;

    GetCurrentThreadStackLimits(&low, &high); /* [low, high): the stack's reservation */
    error = measure_stack((uintptr_t)low, (uintptr_t)high, state->system.dwPageSize, &layout);
    if (!wm_require(lesson, "VirtualQuery over this thread's stack", error)) {
        return;
    }
    wm_value_address(lesson, "stack reservation low", (uintptr_t)low);
    wm_value_address(lesson, "stack reservation high", (uintptr_t)high);
    wm_value_bytes(lesson, "stack reserved (not committed)", layout.reserved);
    wm_value_bytes(lesson, "stack committed", layout.committed);
    wm_value_count(lesson, "guard pages", layout.guard_pages, "pages");
    wm_value_address(lesson, "lowest guard page", layout.guard_address);
    wm_claim(lesson, "prot.stack-guard", "The stack has a guard page.", layout.guard_pages > 0);
    /* Thread Stack Size (Microsoft Learn): pages are committed from the reservation as the
     * stack needs them. The deviation: nothing only reserved, all committed. */
    wm_claim_or_deviation(lesson, "prot.stack-mostly-reserved",
                          "Most of the stack is only reserved: pages are committed as it grows, "
                          "the guard page moving down in front of it.",
                          layout.reserved > layout.committed,
                          layout.reserved == 0 && layout.committed > 0, &STACK_COMMITTED_UP_FRONT);
}

/* ------------------------------------------------------------------------------------ */
/* Step 7. DEP and W^X.                                                                 */
/* ------------------------------------------------------------------------------------ */

/* Runs the code at page; the fault, if any, in *fault. */
static int run_code(volatile unsigned char *page, SIZE_T size, fault_t *fault)
{
    int returned = 0;

    watch_range(page, size);
    returned = touch(page, EXECUTE);
    *fault = last_fault();
    return returned;
}

static void show_dep(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    SIZE_T page_size = state->system.dwPageSize;
    unsigned char *code = NULL;
    void *handler = NULL;
    fault_t blocked;
    fault_t ran;
    DWORD old_protect = 0;
    DWORD now = 0;
    int returned = 0;
    BOOL ok = FALSE;

    code = (unsigned char *)VirtualAlloc(NULL, page_size, MEM_RESERVE | MEM_COMMIT,
                                         PAGE_READWRITE); /* data: no execute right */
    handler = code != NULL ? AddVectoredExceptionHandler(1, catch_fault) : NULL;
    if (!wm_require_win32(lesson, "VirtualAlloc, AddVectoredExceptionHandler", handler != NULL)) {
        return;
    }
    memcpy(code, return_42, sizeof return_42); /* "mov eax, 42; ret", written as data */
    (void)run_code(code, page_size, &blocked);
    wm_value_hex(lesson, "exception", blocked.code, "0xC0000005 access violation");
    wm_value_count(lesson, "ExceptionInformation[0]", blocked.access_type, "(8 = DEP)");
    wm_value_address(lesson, "ExceptionInformation[1]", blocked.address);
    wm_claim(lesson, "prot.dep-faults",
             "Running it faults: an access violation of type 8 at the code's address.",
             blocked.code == EXCEPTION_ACCESS_VIOLATION && blocked.access_type == ACCESS_EXECUTE &&
                 blocked.address == (uintptr_t)code);

    ok = VirtualProtect(code, page_size, PAGE_EXECUTE_READ, /* W^X: runnable, not writable */
                        &old_protect);
    if (!ok && GetLastError() == (DWORD)ERROR_DYNAMIC_CODE_BLOCKED) {
        wm_note(lesson, "The rest is unavailable here: Arbitrary Code Guard forbids this "
                        "process to make a page executable (ERROR_DYNAMIC_CODE_BLOCKED).");
    } else if (wm_require_win32(lesson, "VirtualProtect(PAGE_EXECUTE_READ)", ok)) {
        ok = FlushInstructionCache(GetCurrentProcess(), code, sizeof return_42); /* code changed */
        if (wm_require_win32(lesson, "FlushInstructionCache", ok)) {
            returned = run_code(code, page_size, &ran);
            now = protect_of(code);
            wm_value_count(lesson, "the code returned", (uint64_t)returned, NULL);
            value_protect(lesson, "protection now", now);
            wm_claim(lesson, "prot.dep-after-protect-runs",
                     "After the change the same bytes run and return 42.",
                     ran.code == 0 && returned == RETURNED_VALUE);
            wm_claim(lesson, "prot.wx", "The page was writable, then executable, never both (W^X).",
                     old_protect == PAGE_READWRITE && now == PAGE_EXECUTE_READ);
        }
    }
    (void)RemoveVectoredExceptionHandler(handler);
    ok = VirtualFree(code, 0, MEM_RELEASE);
    (void)wm_require_win32(lesson, "VirtualFree(MEM_RELEASE)", ok);
}

/* ------------------------------------------------------------------------------------ */
/* Step 8. Fenced blocks.                                                               */
/* ------------------------------------------------------------------------------------ */

/* One access at address, watched; its fault. */
static fault_t fault_of(volatile unsigned char *address, access_t access)
{
    watch_range(address, 1);
    (void)touch(address, access);
    return last_fault();
}

/* 1 when fault is an access violation at exactly address. */
static int faulted_at(const fault_t *fault, const volatile unsigned char *address)
{
    return fault->code == EXCEPTION_ACCESS_VIOLATION && fault->address == (uintptr_t)address;
}

static void show_fenced_blocks(wm_lesson_t *lesson, void *context)
{
    wm_fence_t after;
    wm_fence_t before;
    fault_t last_byte;
    fault_t overrun;
    fault_t stale;
    fault_t underrun;
    void *handler = NULL;
    volatile unsigned char *block = NULL;
    DWORD error = ERROR_SUCCESS;

    (void)context;
    error = wm_fence_alloc(BLOCK_BYTES, WM_FENCE_AFTER, &after); /* reusable: src/protection.c */
    if (!wm_require(lesson, "wm_fence_alloc(100 bytes, fence after)", error)) {
        return;
    }
    error = wm_fence_alloc(BLOCK_BYTES, WM_FENCE_BEFORE, &before);
    handler = error == ERROR_SUCCESS ? AddVectoredExceptionHandler(1, catch_fault) : NULL;
    if (wm_require_win32(lesson, "wm_fence_alloc(fence before), AddVectoredExceptionHandler",
                         handler != NULL)) {
        block = after.block;
        last_byte = fault_of(&block[BLOCK_BYTES - 1], WRITE); /* block[99] */
        overrun = fault_of(&block[BLOCK_BYTES], WRITE);       /* block[100]: one too far */
        wm_value_address(lesson, "block", (uintptr_t)block);
        wm_value_address(lesson, "fault address of block[100]", overrun.address);
        wm_claim(lesson, "prot.fence-last-byte", "block[99], the last byte, is ordinary memory.",
                 last_byte.code == 0);
        wm_claim(lesson, "prot.fence-overrun", "Writing block[100] faults at exactly block + 100.",
                 faulted_at(&overrun, &block[BLOCK_BYTES]) && overrun.access_type == ACCESS_WRITE);
        error = wm_fence_free(&after); /* decommits the block, keeps the addresses */
        if (wm_require(lesson, "wm_fence_free (VirtualFree(MEM_DECOMMIT))", error)) {
            stale = fault_of(&block[0], READ); /* a use after free */
            wm_claim(lesson, "prot.fence-use-after-free",
                     "A use after free faults at the freed block.", faulted_at(&stale, block));
        }
        block = before.block;
        underrun = fault_of(&block[-1], READ); /* one before the start */
        wm_claim(lesson, "prot.fence-underrun", "Reading block[-1] faults at exactly block - 1.",
                 faulted_at(&underrun, &block[-1]));
        (void)RemoveVectoredExceptionHandler(handler);
    }
    error = wm_fence_release(&after);
    (void)wm_require(lesson, "wm_fence_release (VirtualFree(MEM_RELEASE))", error);
    if (before.base != NULL) {
        error = wm_fence_release(&before);
        (void)wm_require(lesson, "wm_fence_release (VirtualFree(MEM_RELEASE))", error);
    }
}

/* The same off-by-one on an ordinary heap block: nothing documents what it hits, so the
 * lesson shows it as a value (the page heap of gflags or Application Verifier would fault). */
static void show_heap_overrun(wm_lesson_t *lesson, void *context)
{
    HANDLE heap = GetProcessHeap(); /* cannot fail */
    volatile unsigned char *block = NULL;
    void *handler = NULL;
    fault_t overrun;
    BOOL freed = FALSE;

    (void)context;
    block = (volatile unsigned char *)HeapAlloc(heap, 0, /* no flags: what malloc does */
                                                BLOCK_BYTES);
    handler = block != NULL ? AddVectoredExceptionHandler(1, catch_fault) : NULL;
    if (!wm_require_win32(lesson, "HeapAlloc(100 bytes), AddVectoredExceptionHandler",
                          handler != NULL)) {
        return;
    }
    overrun = fault_of(&block[BLOCK_BYTES], WRITE); /* the same bug: block[100] */
    (void)RemoveVectoredExceptionHandler(handler);
    wm_value_text(lesson, "writing heap block[100]",
                  overrun.code == 0 ? "no fault: the byte landed in padding or a neighbour"
                                    : "it faulted (a page heap is on for this program)");
    freed = HeapFree(heap, 0, (void *)(uintptr_t)block);
    (void)wm_require_win32(lesson, "HeapFree", freed);
}

/* ------------------------------------------------------------------------------------ */
/* Step 10. Stack overflow.                                                             */
/* ------------------------------------------------------------------------------------ */

static void show_stack_overflow(wm_lesson_t *lesson, void *context)
{
    wm_output_t output;
    overflow_report_t report;
    ULONG guarantee = STACK_GUARANTEE;
    ULONG queried = 0;
    DWORD exit_code = 0;
    DWORD error = ERROR_SUCCESS;
    BOOL ok = FALSE;
    int returned = 0;

    (void)context;
    memset(&output, 0, sizeof output);
    error = wm_process_run_self(L"--child=overflow", wm_output_collect, &output, &exit_code);
    if (!wm_require(lesson, "Running a copy of this program (CreateProcessW)", error)) {
        return;
    }
    returned = wm_child_report_read(output.text, output.length, &report, sizeof report);
    wm_value_hex(lesson, "child exit code", exit_code, "STATUS_STACK_OVERFLOW is 0xC00000FD");
    /* The deviation: exit code 0 or 1, and the recursion never returned (no report). */
    wm_claim_or_deviation(lesson, "prot.overflow-status",
                          "The child ended with EXCEPTION_STACK_OVERFLOW (0xC00000FD).",
                          exit_code == EXIT_STACK_OVERFLOW,
                          !returned && (exit_code == 0 || exit_code == 1),
                          &STACK_OVERFLOW_NO_STATUS);

    ok = SetThreadStackGuarantee(&guarantee); /* in: bytes wanted; out: the old guarantee */
    if (!wm_require_win32(lesson, "SetThreadStackGuarantee(64 KiB)", ok)) {
        return;
    }
    ok = SetThreadStackGuarantee(&queried); /* 0 asks, and changes nothing */
    if (!wm_require_win32(lesson, "SetThreadStackGuarantee(0)", ok)) {
        return;
    }
    wm_value_bytes(lesson, "guarantee now", queried);
    wm_claim(lesson, "prot.guarantee-reads-back", "Asking again returns the 64 KiB guarantee.",
             queried == STACK_GUARANTEE);
    wm_note(lesson, "The guarantee is per thread and must be set before the overflow; a "
                    "handler may then use that much stack after it (SetThreadStackGuarantee "
                    "on Microsoft Learn). This lesson does not overflow with a handler, so it "
                    "does not show that part.");
}

/* The child of step 10: recurses until the stack runs out. limit is never reached: it keeps
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

static int run_overflow_child(void *context)
{
    volatile unsigned char start[1] = {0};
    overflow_report_t report;

    (void)context;
    report.depth_reached = recurse(start, 0, UINT32_MAX);
    (void)wm_child_report(&report, sizeof report); /* only if the recursion returned */
    return WM_EXIT_FAILED;
}

/* ------------------------------------------------------------------------------------ */
/* Step 11. Another process's memory.                                                  */
/* ------------------------------------------------------------------------------------ */

/* Starts this program with --child=sleep and waits until it prints its ready line (its
 * loader has mapped kernel32.dll by then). *info gets its handles (close both). The wait is
 * bounded: the child ends by itself after CHILD_SLEEP_MS, which breaks the pipe. */
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
    memset(&startup, 0, sizeof startup);
    startup.cb = sizeof startup;
    startup.dwFlags = STARTF_USESTDHANDLES; /* the three handles below */
    startup.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
    startup.hStdOutput = write_end;
    startup.hStdError = GetStdHandle(STD_ERROR_HANDLE);
    swprintf(command_line, sizeof command_line / sizeof command_line[0], L"\"%ls\" --child=sleep",
             self);
    if (done) {
        done = CreateProcessW(self, command_line, NULL, NULL, TRUE, /* inherit the pipe's end */
                              0, NULL, NULL, &startup, info);       /* plain, runs at once */
    }
    error = done ? ERROR_SUCCESS : GetLastError();
    (void)CloseHandle(write_end); /* ours must go, or the read never sees the pipe break */
    while (error == ERROR_SUCCESS && ready != '\n') {
        done = ReadFile(read_end, &ready, 1, &got, NULL); /* one byte at a time */
        error = !done ? GetLastError() : got == 0 ? ERROR_BROKEN_PIPE : ERROR_SUCCESS;
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

/* The child of step 11: says it is ready, then sleeps until the lesson ends it. */
static int run_sleep_child(void *context)
{
    (void)context;
    printf("ready\n"); /* the lesson waits for this line */
    fflush(stdout);
    Sleep(CHILD_SLEEP_MS); /* the lesson terminates it long before */
    return WM_EXIT_OK;
}

/* Reads two bytes of kernel32.dll's image in process (the same address in every process
 * of a boot): "MZ". *error: 0 or why ReadProcessMemory failed. */
static BOOL read_signature(HANDLE process, unsigned char bytes[2], DWORD *error)
{
    HMODULE kernel32 = GetModuleHandleW(L"kernel32.dll"); /* loaded everywhere: no reference */
    SIZE_T copied = 0;
    BOOL read = FALSE;

    read = ReadProcessMemory(process, kernel32, bytes, 2, &copied);
    *error = read ? ERROR_SUCCESS : GetLastError();
    return read && copied == 2;
}

static void show_other_process(wm_lesson_t *lesson, void *context)
{
    PROCESS_INFORMATION child;
    HANDLE limited = NULL;
    HANDLE reader = NULL;
    unsigned char bytes[2] = {0, 0};
    DWORD denied_error = ERROR_SUCCESS;
    DWORD error = ERROR_SUCCESS;
    BOOL read = FALSE;
    BOOL closed = FALSE;

    (void)context;
    error = start_sleeping_child(&child);
    if (!wm_require(lesson, "CreateProcessW (a sleeping copy of this program)", error)) {
        return;
    }
    limited = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, /* may see it, not read it */
                          FALSE, child.dwProcessId);         /* not inheritable */
    reader = OpenProcess(PROCESS_VM_READ, /* exactly the right ReadProcessMemory needs */
                         FALSE, child.dwProcessId);
    if (wm_require_win32(lesson, "OpenProcess, twice", limited != NULL && reader != NULL)) {
        read = read_signature(limited, bytes, &denied_error);
        value_error(lesson, "ReadProcessMemory without PROCESS_VM_READ", denied_error);
        wm_claim(lesson, "prot.rpm-needs-vm-read",
                 "Without PROCESS_VM_READ the read is refused: ERROR_ACCESS_DENIED.",
                 !read && denied_error == ERROR_ACCESS_DENIED);
        read = read_signature(reader, bytes, &error);
        wm_claim(lesson, "prot.rpm-with-vm-read",
                 "With it, the child's bytes are read: \"MZ\", an image's signature.",
                 read && bytes[0] == 'M' && bytes[1] == 'Z');
    }
    if (reader != NULL) {
        closed = CloseHandle(reader);
        (void)wm_require_win32(lesson, "CloseHandle(the PROCESS_VM_READ handle)", closed);
    }
    if (limited != NULL) {
        closed = CloseHandle(limited);
        (void)wm_require_win32(lesson, "CloseHandle(the limited handle)", closed);
    }
    (void)TerminateProcess(child.hProcess, KILLED_EXIT_CODE);          /* it has served */
    (void)WaitForSingleObject(child.hProcess, WM_CHILD_TIME_LIMIT_MS); /* bounded */
    (void)CloseHandle(child.hThread);
    (void)CloseHandle(child.hProcess);
}

/* Step 12. Page protection applies to ReadProcessMemory too, even in one's own process. */
static void show_read_of_noaccess(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    unsigned char bytes[2] = {0, 0};
    void *page = NULL;
    SIZE_T copied = 0;
    DWORD error = ERROR_SUCCESS;
    BOOL read = FALSE;
    BOOL ok = FALSE;

    page = VirtualAlloc(NULL, state->system.dwPageSize, MEM_RESERVE | MEM_COMMIT,
                        PAGE_NOACCESS); /* committed, but nothing may touch it */
    if (!wm_require_win32(lesson, "VirtualAlloc(PAGE_NOACCESS)", page != NULL)) {
        return;
    }
    read = ReadProcessMemory(GetCurrentProcess(), page, bytes, sizeof bytes, &copied);
    error = read ? ERROR_SUCCESS : GetLastError();
    value_error(lesson, "ReadProcessMemory of a no-access page", error);
    /* ReadProcessMemory (Microsoft Learn): if the area is not accessible the call fails.
     * The deviation: the call succeeded and copied the bytes. */
    wm_claim_or_deviation(lesson, "prot.rpm-noaccess-fails",
                          "ReadProcessMemory refuses to read a no-access page.", !read,
                          read && copied == sizeof bytes, &READ_PROCESS_MEMORY_IGNORES_NOACCESS);
    ok = VirtualFree(page, 0, MEM_RELEASE);
    (void)wm_require_win32(lesson, "VirtualFree(MEM_RELEASE)", ok);
}

/* ------------------------------------------------------------------------------------ */
/* The lesson as a table: its steps and child modes.                                    */
/* ------------------------------------------------------------------------------------ */

static const wm_lesson_step_t steps[] = {
    {"The truth table",
     "Each cell is a fresh page with one protection, holding a lone \"ret\" instruction, "
     "and one access of plain C: a read (value = page[0]), a write (page[0] = ...) or a call "
     "through a function pointer. A vectored exception handler records each fault: ok, an "
     "access violation with ExceptionInformation[0] (0 read, 1 write, 8 DEP) at the exact "
     "address, or a guard-page violation; beside it, what Microsoft documents. PAGE_WRITECOPY "
     "is for mapped views only, so its row is a view mapped with FILE_MAP_COPY.",
     show_truth_table},
    {"Copy-on-write",
     "A view mapped with FILE_MAP_COPY is PAGE_WRITECOPY: it reads the shared pages, and the "
     "first write to a page gives this process its own private copy of it, which is then "
     "ordinary PAGE_READWRITE memory. Other views of the mapping never see the write.",
     show_copy_on_write},
    {"VirtualProtect: change and restore",
     "VirtualProtect changes the protection of committed pages and returns the old one "
     "through its last parameter, which must not be NULL. Keep the old value to put it back. "
     "Reserved pages have no protection to change: the call fails.",
     show_virtual_protect},
    {"A table sealed after start-up",
     "A table filled at start-up and then made read-only cannot be changed by a stray write "
     "later: the write faults at the exact entry. Here the handler catches it; in a copy of "
     "this program whose handler watches nothing, the same write ends the process.",
     show_sealed_table},
    {"Guard pages: a one-shot alarm",
     "PAGE_GUARD is a modifier on top of a protection. The first touch of a guard page raises "
     "STATUS_GUARD_PAGE_VIOLATION (0x80000001) and the system removes the guard, so the "
     "second touch is an ordinary access.",
     show_guard_pages},
    {"The stack's guard page",
     "Thread stacks use guard pages: below the committed part of the stack sits a guard "
     "page, and when the stack grows into it the system commits it and moves the guard one "
     "page down. VirtualQuery over the reservation shows the layout.",
     show_the_stack},
    {"DEP: data is not code",
     "Data Execution Prevention refuses to run instructions from a page without an execute "
     "right; for 64-bit processes it is always on. Code written into a PAGE_READWRITE page "
     "(what a JIT compiler or an exploit does) faults with access type 8. To run it, make "
     "the page PAGE_EXECUTE_READ with VirtualProtect, then call FlushInstructionCache. Never "
     "leave a page writable and executable at once: that rule is W^X, write xor execute.",
     show_dep},
    {"Fenced blocks: catch the off-by-one where it happens",
     "The full page heap (gflags /p /enable program.exe /full, or Application Verifier) "
     "places each block so that it ends where an inaccessible page begins: an overrun by one "
     "byte faults at the guilty instruction. A fence before the block catches underruns; "
     "freeing decommits the pages, so a use after free faults too. The price: at least two "
     "pages per block.",
     show_fenced_blocks},
    {"The same bug on an ordinary heap",
     "The same off-by-one on a block from HeapAlloc usually lands in padding or a neighbour, "
     "silently.",
     show_heap_overrun},
    {"Stack overflow",
     "A thread that recurses without end grows its stack into the guard page until the "
     "reservation runs out; then the system raises EXCEPTION_STACK_OVERFLOW (0xC00000FD). "
     "Unhandled, it ends the process. A handler has almost no stack left to run on; "
     "SetThreadStackGuarantee asks the system to keep some for it. The recursion runs in a "
     "copy of this program.",
     show_stack_overflow},
    {"Memory that belongs to another process",
     "Another process's memory is reached only through a handle with the right access: "
     "PROCESS_VM_READ for ReadProcessMemory. Ask for exactly the rights you need, never "
     "PROCESS_ALL_ACCESS. The lesson starts a copy of itself and reads the first bytes of "
     "kernel32.dll's image there (system DLLs load at the same address in every process of "
     "a boot).",
     show_other_process},
    {"Protection applies to ReadProcessMemory too",
     "ReadProcessMemory copies only accessible memory: it fails on a PAGE_NOACCESS page, "
     "even in the calling process.",
     show_read_of_noaccess},
};

static const wm_lesson_child_t children[] = {
    {"sealed-write", run_sealed_write_child}, /* step 4: a write nobody handles */
    {"overflow", run_overflow_child},         /* step 10: unbounded recursion */
    {"sleep", run_sleep_child},               /* step 11: a process to read from */
};

static const wm_lesson_spec_t lesson = {
    LESSON_NAME,
    LESSON_TITLE,
    steps,
    sizeof steps / sizeof steps[0],
    NULL,
    0,
    children,
    sizeof children / sizeof children[0],
    sizeof(lesson_state_t),
    NULL,
    NULL,
    NULL,
};

int wmain(int argc, wchar_t **argv)
{
    return wm_lesson_main(&lesson, argc, argv);
}
