/*
 * test_protection.c - page protection: names, VirtualProtect's old value, the probe's outcome
 * for each protection, guard pages, DEP, fenced blocks, read-only tables, and a probe that
 * never hides a fault that is not its own.
 *
 * Each assertion accepts the documented Windows behaviour; under Wine it also accepts the
 * recorded deviation (docs/deviations.md, named by id beside the assertion), never a Wine
 * version's behaviour as the only outcome. Nothing is skipped silently.
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_test.h"

#include <string.h>

#include "winmem.h"
#include "wm_os.h"

/* x64 machine code the tests place in pages: "ret", and "mov eax, 42; ret". */
#define RET_OPCODE 0xC3
static const unsigned char return_42[] = {0xB8, 0x2A, 0x00, 0x00, 0x00, 0xC3};
#define RETURNED_VALUE 42

/* A byte the tests write and read back. */
#define PATTERN 0x5A

/* AddVectoredExceptionHandler's First argument: 0 puts the recorder after the library's. */
#define RECORDER_LAST 0

/* STATUS_GUARD_PAGE_VIOLATION as the probe reports it. */
#define GUARD_CODE 0x80000001u

/* Commits one page, writes code (or a lone ret) into it, then sets protect. */
static unsigned char *page_with_code(DWORD protect, const unsigned char *code, size_t length)
{
    unsigned char *page = NULL;
    DWORD old_protect = 0;

    page = (unsigned char *)VirtualAlloc(NULL, wm_test_system.page_size, MEM_RESERVE | MEM_COMMIT,
                                         PAGE_READWRITE);
    assert_non_null(page);
    if (code == NULL) {
        page[0] = RET_OPCODE;
    } else {
        memcpy(page, code, length);
    }
    assert_true(VirtualProtect(page, wm_test_system.page_size, protect, &old_protect));
    assert_true(FlushInstructionCache(GetCurrentProcess(), page, wm_test_system.page_size));
    return page;
}

static void release(void *base)
{
    assert_true(VirtualFree(base, 0, MEM_RELEASE));
}

/* Probes access at address and checks the outcome and, for a fault, its access type and
 * exact address. */
static void expect_probe(wm_probe_access_t access, void *address, wm_probe_outcome_t outcome,
                         ULONG_PTR access_type)
{
    wm_probe_result_t result;

    assert_int_equal(wm_probe(access, address, PATTERN, &result), ERROR_SUCCESS);
    assert_int_equal(result.outcome, outcome);
    if (outcome == WM_PROBE_DONE) {
        assert_int_equal(result.exception_code, 0);
        return;
    }
    assert_int_equal(result.exception_code,
                     outcome == WM_PROBE_GUARD_PAGE ? GUARD_CODE : EXCEPTION_ACCESS_VIOLATION);
    assert_int_equal(result.access_type, access_type);
    assert_int_equal(result.fault_address, (uintptr_t)address);
}

/* ---- Names. ---- */

static void test_protect_format_and_parse_round_trip_with_modifiers(void **state)
{
    const DWORD values[] = {PAGE_NOACCESS,
                            PAGE_READONLY,
                            PAGE_READWRITE,
                            PAGE_WRITECOPY,
                            PAGE_EXECUTE,
                            PAGE_EXECUTE_READ,
                            PAGE_EXECUTE_READWRITE,
                            PAGE_EXECUTE_WRITECOPY,
                            PAGE_READWRITE | PAGE_GUARD,
                            PAGE_READWRITE | PAGE_NOCACHE,
                            PAGE_READWRITE | PAGE_WRITECOMBINE,
                            PAGE_EXECUTE_WRITECOPY | PAGE_GUARD | PAGE_NOCACHE | PAGE_WRITECOMBINE};
    char text[WM_PROTECT_NAME_MAX];
    DWORD parsed = 0;
    size_t i = 0;

    (void)state;
    for (i = 0; i < sizeof values / sizeof values[0]; i++) {
        assert_int_equal(wm_protect_format(values[i], text, sizeof text), ERROR_SUCCESS);
        assert_int_equal(wm_protect_parse(text, &parsed), ERROR_SUCCESS);
        assert_int_equal(parsed, values[i]);
    }
    assert_int_equal(wm_protect_format(PAGE_READWRITE | PAGE_GUARD, text, sizeof text),
                     ERROR_SUCCESS);
    assert_string_equal(text, "PAGE_READWRITE|PAGE_GUARD");
    assert_int_equal(wm_protect_format(0, text, sizeof text), ERROR_SUCCESS);
    assert_string_equal(text, "0");
}

static void test_protect_format_and_parse_reject_invalid_input(void **state)
{
    char text[WM_PROTECT_NAME_MAX];
    char tiny[8];
    DWORD parsed = 7;

    (void)state;
    assert_int_equal(wm_protect_format(PAGE_READWRITE, NULL, 1), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_protect_format(PAGE_READWRITE, text, 0), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_protect_format(0x10000000, text, sizeof text), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_protect_format(PAGE_READONLY | PAGE_READWRITE, text, sizeof text),
                     ERROR_INVALID_PARAMETER); /* two base values */
    assert_int_equal(wm_protect_format(PAGE_GUARD, text, sizeof text), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_protect_format(PAGE_READWRITE, tiny, sizeof tiny),
                     ERROR_INSUFFICIENT_BUFFER);
    assert_string_equal(tiny, "");
    assert_int_equal(wm_protect_parse(NULL, &parsed), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_protect_parse("PAGE_READONLY", NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_protect_parse("", &parsed), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_protect_parse("PAGE_READONLY|", &parsed), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_protect_parse("page_readonly", &parsed), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_protect_parse("PAGE_GUARD|PAGE_GUARD", &parsed), ERROR_INVALID_PARAMETER);
    assert_int_equal(parsed, 7); /* untouched on failure */
}

/* ---- VirtualProtect and VirtualQuery. ---- */

static void test_protect_change_returns_the_old_value_both_ways(void **state)
{
    void *page = NULL;
    DWORD old_protect = 0;
    DWORD now = 0;

    (void)state;
    assert_int_equal(wm_vm_allocate(NULL, wm_test_system.page_size, PAGE_READWRITE, &page),
                     ERROR_SUCCESS);
    assert_int_equal(wm_protect_change(page, 1, PAGE_READONLY, &old_protect), ERROR_SUCCESS);
    assert_int_equal(old_protect, PAGE_READWRITE);
    assert_int_equal(wm_protect_query(page, &now), ERROR_SUCCESS);
    assert_int_equal(now, PAGE_READONLY);
    assert_int_equal(wm_protect_change(page, 1, PAGE_READWRITE, &old_protect), ERROR_SUCCESS);
    assert_int_equal(old_protect, PAGE_READONLY);
    assert_int_equal(wm_vm_release(page), ERROR_SUCCESS);
}

static void test_protect_change_on_reserved_pages_fails(void **state)
{
    void *base = NULL;
    DWORD old_protect = 0;
    DWORD now = 5;

    (void)state;
    assert_int_equal(wm_vm_reserve(NULL, wm_test_system.page_size, &base), ERROR_SUCCESS);
    assert_int_equal(wm_protect_change(base, 1, PAGE_READONLY, &old_protect),
                     ERROR_INVALID_ADDRESS);
    assert_int_equal(wm_protect_query(base, &now), ERROR_INVALID_ADDRESS);
    assert_int_equal(now, 0);
    assert_int_equal(wm_vm_release(base), ERROR_SUCCESS);
}

static void test_protect_writecopy_on_private_memory_fails(void **state)
{
    void *page = NULL;
    DWORD old_protect = 0;

    (void)state;
    assert_int_equal(wm_vm_allocate(NULL, wm_test_system.page_size, PAGE_READWRITE, &page),
                     ERROR_SUCCESS);
    assert_int_not_equal(wm_protect_change(page, 1, PAGE_WRITECOPY, &old_protect), ERROR_SUCCESS);
    assert_int_equal(wm_vm_release(page), ERROR_SUCCESS);
}

static void test_protect_change_and_query_reject_invalid_parameters(void **state)
{
    DWORD old_protect = 0;
    DWORD now = 0;
    void *page = NULL;

    (void)state;
    assert_int_equal(wm_vm_allocate(NULL, wm_test_system.page_size, PAGE_READWRITE, &page),
                     ERROR_SUCCESS);
    assert_int_equal(wm_protect_change(NULL, 1, PAGE_READONLY, &old_protect),
                     ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_protect_change(page, 0, PAGE_READONLY, &old_protect),
                     ERROR_INVALID_PARAMETER);
    /* VirtualProtect itself fails with a NULL lpflOldProtect; the library never calls it so. */
    assert_int_equal(wm_protect_change(page, 1, PAGE_READONLY, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_protect_query(page, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_protect_query(page, &now), ERROR_SUCCESS);
    assert_int_equal(now, PAGE_READWRITE); /* the failed calls changed nothing */
    assert_int_equal(wm_vm_release(page), ERROR_SUCCESS);
}

/* ---- The probe's truth table. ---- */

static void test_probe_noaccess_faults_on_read_write_and_execute(void **state)
{
    unsigned char *page = page_with_code(PAGE_NOACCESS, NULL, 0);
    wm_probe_result_t result;

    (void)state;
    expect_probe(WM_PROBE_READ, page, WM_PROBE_ACCESS_VIOLATION, WM_ACCESS_TYPE_READ);
    expect_probe(WM_PROBE_WRITE, page, WM_PROBE_ACCESS_VIOLATION, WM_ACCESS_TYPE_WRITE);
    /* An execute faults too; Microsoft documents no access type for it (Wine reports 8). */
    assert_int_equal(wm_probe(WM_PROBE_EXECUTE, page, 0, &result), ERROR_SUCCESS);
    assert_int_equal(result.outcome, WM_PROBE_ACCESS_VIOLATION);
    assert_int_equal(result.fault_address, (uintptr_t)page);
    release(page);
}

static void test_probe_readonly_reads_and_faults_on_write_and_execute(void **state)
{
    unsigned char *page = page_with_code(PAGE_READONLY, NULL, 0);

    (void)state;
    expect_probe(WM_PROBE_READ, page, WM_PROBE_DONE, 0);
    expect_probe(WM_PROBE_WRITE, page, WM_PROBE_ACCESS_VIOLATION, WM_ACCESS_TYPE_WRITE);
    expect_probe(WM_PROBE_EXECUTE, page, WM_PROBE_ACCESS_VIOLATION, WM_ACCESS_TYPE_EXECUTE);
    assert_int_equal(page[0], RET_OPCODE); /* the failed write wrote nothing */
    release(page);
}

static void test_probe_readwrite_reads_writes_and_faults_on_execute(void **state)
{
    unsigned char *page = page_with_code(PAGE_READWRITE, NULL, 0);
    wm_probe_result_t result;

    (void)state;
    expect_probe(WM_PROBE_EXECUTE, page, WM_PROBE_ACCESS_VIOLATION, WM_ACCESS_TYPE_EXECUTE);
    expect_probe(WM_PROBE_WRITE, page + 1, WM_PROBE_DONE, 0);
    assert_int_equal(page[1], PATTERN);
    assert_int_equal(wm_probe(WM_PROBE_READ, page + 1, 0, &result), ERROR_SUCCESS);
    assert_int_equal(result.outcome, WM_PROBE_DONE);
    assert_int_equal(result.value, PATTERN);
    release(page);
}

static void test_probe_execute_runs_and_faults_on_write(void **state)
{
    unsigned char *page = page_with_code(PAGE_EXECUTE, NULL, 0);
    wm_probe_result_t result;

    (void)state;
    expect_probe(WM_PROBE_EXECUTE, page, WM_PROBE_DONE, 0);
    expect_probe(WM_PROBE_WRITE, page, WM_PROBE_ACCESS_VIOLATION, WM_ACCESS_TYPE_WRITE);
    /* Memory Protection Constants promises only that a write faults; x64 page tables cannot
     * express execute-only, so the read may succeed or fault, on any runtime. Either way the
     * probe reports it, no crash. */
    assert_int_equal(wm_probe(WM_PROBE_READ, page, 0, &result), ERROR_SUCCESS);
    assert_true(result.outcome == WM_PROBE_DONE || result.outcome == WM_PROBE_ACCESS_VIOLATION);
    release(page);
}

static void test_probe_execute_read_and_execute_readwrite(void **state)
{
    unsigned char *page = page_with_code(PAGE_EXECUTE_READ, NULL, 0);
    unsigned char *jit = page_with_code(PAGE_EXECUTE_READWRITE, NULL, 0);

    (void)state;
    expect_probe(WM_PROBE_READ, page, WM_PROBE_DONE, 0);
    expect_probe(WM_PROBE_EXECUTE, page, WM_PROBE_DONE, 0);
    expect_probe(WM_PROBE_WRITE, page, WM_PROBE_ACCESS_VIOLATION, WM_ACCESS_TYPE_WRITE);
    expect_probe(WM_PROBE_READ, jit, WM_PROBE_DONE, 0);
    expect_probe(WM_PROBE_EXECUTE, jit, WM_PROBE_DONE, 0);
    expect_probe(WM_PROBE_WRITE, jit + 1, WM_PROBE_DONE, 0);
    release(jit);
    release(page);
}

static void test_probe_writecopy_view_reads_writes_privately_and_faults_on_execute(void **state)
{
    HANDLE mapping = NULL;
    unsigned char *shared = NULL;
    unsigned char *copy = NULL;
    DWORD protect = 0;

    (void)state;
    mapping = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0,
                                 (DWORD)wm_test_system.page_size, NULL);
    assert_non_null(mapping);
    shared = (unsigned char *)MapViewOfFile(mapping, FILE_MAP_WRITE, 0, 0, 0);
    copy = (unsigned char *)MapViewOfFile(mapping, FILE_MAP_COPY, 0, 0, 0);
    assert_non_null(shared);
    assert_non_null(copy);
    assert_int_equal(wm_protect_query(copy, &protect), ERROR_SUCCESS);
    assert_int_equal(protect, PAGE_WRITECOPY);
    expect_probe(WM_PROBE_READ, copy, WM_PROBE_DONE, 0);
    expect_probe(WM_PROBE_EXECUTE, copy, WM_PROBE_ACCESS_VIOLATION, WM_ACCESS_TYPE_EXECUTE);
    expect_probe(WM_PROBE_WRITE, copy, WM_PROBE_DONE, 0);
    assert_int_equal(copy[0], PATTERN);
    assert_int_equal(shared[0], 0); /* the write went to a private copy */
    assert_int_equal(wm_protect_query(copy, &protect), ERROR_SUCCESS);
    /* Memory Protection Constants: "The private page is marked as PAGE_READWRITE". Under Wine
     * the recorded deviation wine-writecopy-still-reported: still PAGE_WRITECOPY (the copy
     * itself was made: shared[0] is still 0 above). */
    assert_true(protect == PAGE_READWRITE || (wm_is_wine() && protect == PAGE_WRITECOPY));
    assert_true(UnmapViewOfFile(copy));
    assert_true(UnmapViewOfFile(shared));
    assert_true(CloseHandle(mapping));
}

/* ---- Guard pages. ---- */

static void test_guard_fires_once_then_the_page_is_plain_readwrite(void **state)
{
    unsigned char *page = page_with_code(PAGE_READWRITE, NULL, 0);
    DWORD old_protect = 0;
    DWORD now = 0;

    (void)state;
    assert_int_equal(wm_guard_arm(page, 1, &old_protect), ERROR_SUCCESS);
    assert_int_equal(old_protect, PAGE_READWRITE);
    assert_int_equal(wm_protect_query(page, &now), ERROR_SUCCESS);
    assert_int_equal(now, PAGE_READWRITE | PAGE_GUARD);
    expect_probe(WM_PROBE_WRITE, page + 8, WM_PROBE_GUARD_PAGE, WM_ACCESS_TYPE_WRITE);
    assert_int_equal(wm_protect_query(page, &now), ERROR_SUCCESS);
    assert_int_equal(now, PAGE_READWRITE); /* the guard is gone */
    expect_probe(WM_PROBE_WRITE, page + 8, WM_PROBE_DONE, 0);
    assert_int_equal(page[8], PATTERN);
    /* Armed again, a read fires it the same way. */
    assert_int_equal(wm_guard_arm(page, 1, &old_protect), ERROR_SUCCESS);
    expect_probe(WM_PROBE_READ, page, WM_PROBE_GUARD_PAGE, WM_ACCESS_TYPE_READ);
    expect_probe(WM_PROBE_READ, page, WM_PROBE_DONE, 0);
    release(page);
}

static void test_guard_arm_rejects_invalid_parameters(void **state)
{
    unsigned char *page = page_with_code(PAGE_NOACCESS, NULL, 0);
    void *reserved = NULL;
    DWORD old_protect = 0;

    (void)state;
    assert_int_equal(wm_guard_arm(NULL, 1, &old_protect), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_guard_arm(page, 0, &old_protect), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_guard_arm(page, 1, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_guard_arm(page, 1, &old_protect), ERROR_INVALID_PARAMETER); /* no access */
    assert_int_equal(wm_vm_reserve(NULL, 1, &reserved), ERROR_SUCCESS);
    assert_int_equal(wm_guard_arm(reserved, 1, &old_protect), ERROR_INVALID_ADDRESS);
    assert_int_equal(wm_vm_release(reserved), ERROR_SUCCESS);
    release(page);
}

/* ---- DEP. ---- */

static void test_dep_code_in_a_readwrite_page_faults_then_runs_after_protecting(void **state)
{
    unsigned char *page = page_with_code(PAGE_READWRITE, return_42, sizeof return_42);
    wm_probe_result_t result;
    DWORD old_protect = 0;

    (void)state;
    expect_probe(WM_PROBE_EXECUTE, page, WM_PROBE_ACCESS_VIOLATION, WM_ACCESS_TYPE_EXECUTE);
    assert_int_equal(wm_protect_change(page, 1, PAGE_EXECUTE_READ, &old_protect), ERROR_SUCCESS);
    assert_int_equal(old_protect, PAGE_READWRITE);
    assert_true(FlushInstructionCache(GetCurrentProcess(), page, sizeof return_42));
    assert_int_equal(wm_probe(WM_PROBE_EXECUTE, page, 0, &result), ERROR_SUCCESS);
    assert_int_equal(result.outcome, WM_PROBE_DONE);
    assert_int_equal(result.value, RETURNED_VALUE);
    release(page);
}

/* ---- The probe leaves nothing behind and hides nothing. ---- */

static volatile LONG recorded_faults = 0;
static volatile uintptr_t recorded_address = 0;

/* Stands for the default handling: makes a faulting page readable, and counts. */
static LONG CALLBACK recorder(PEXCEPTION_POINTERS pointers)
{
    const EXCEPTION_RECORD *record = pointers->ExceptionRecord;
    uintptr_t address = 0;
    DWORD old_protect = 0;

    if (record->ExceptionCode != EXCEPTION_ACCESS_VIOLATION || record->NumberParameters < 2) {
        return EXCEPTION_CONTINUE_SEARCH;
    }
    address = (uintptr_t)record->ExceptionInformation[1];
    if (!VirtualProtect((void *)address, 1, PAGE_READONLY, &old_protect)) {
        return EXCEPTION_CONTINUE_SEARCH;
    }
    recorded_address = address;
    InterlockedIncrement(&recorded_faults);
    return EXCEPTION_CONTINUE_EXECUTION;
}

static void test_probe_passes_a_fault_in_executed_code_to_the_next_handler(void **state)
{
    /* Code the execute probe runs: "nop; movzx eax, byte ptr [rcx + page]; ret". rcx holds the
     * code's own address (the stub calls rcx), so the read touches the next page, which is
     * no-access. The fault is not the probe's own access (that was the fetch of the nop): the
     * probe must pass it on, and the recorder, registered last, must see it. */
    unsigned char code[] = {0x90, 0x0F, 0xB6, 0x81, 0, 0, 0, 0, 0xC3};
    unsigned char *pages = NULL;
    DWORD displacement = (DWORD)wm_test_system.page_size;
    DWORD old_protect = 0;
    wm_probe_result_t result;
    PVOID handle = NULL;

    (void)state;
    memcpy(code + 4, &displacement, sizeof displacement);
    pages = (unsigned char *)VirtualAlloc(NULL, 2 * wm_test_system.page_size,
                                          MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    assert_non_null(pages);
    memcpy(pages, code, sizeof code);
    pages[wm_test_system.page_size] = PATTERN;
    assert_true(VirtualProtect(pages, 1, PAGE_EXECUTE_READ, &old_protect));
    assert_true(VirtualProtect(pages + wm_test_system.page_size, 1, PAGE_NOACCESS, &old_protect));
    assert_true(FlushInstructionCache(GetCurrentProcess(), pages, sizeof code));
    recorded_faults = 0;
    handle = AddVectoredExceptionHandler(RECORDER_LAST, recorder);
    assert_non_null(handle);
    assert_int_equal(wm_probe(WM_PROBE_EXECUTE, pages, 0, &result), ERROR_SUCCESS);
    assert_int_not_equal(RemoveVectoredExceptionHandler(handle), 0);
    assert_int_equal(recorded_faults, 1);
    assert_int_equal(recorded_address, (uintptr_t)(pages + wm_test_system.page_size));
    assert_int_equal(result.outcome, WM_PROBE_DONE); /* the recorder fixed it; the code ran */
    assert_int_equal(result.value, PATTERN);
    release(pages);
}

static void test_probe_leaves_no_handler_and_no_page_behind(void **state)
{
    unsigned char *page = page_with_code(PAGE_NOACCESS, NULL, 0);
    wm_probe_result_t result;

    (void)state;
    wm_test_count_resources();
    assert_int_equal(wm_probe(WM_PROBE_READ, page, 0, &result), ERROR_SUCCESS);
    assert_int_equal(wm_probe(WM_PROBE_READ, NULL, 0, &result), ERROR_SUCCESS);
    assert_int_equal(result.outcome, WM_PROBE_ACCESS_VIOLATION);
    assert_int_equal(result.fault_address, 0);
    wm_test_stop_counting();
    assert_true(wm_test_nothing_held());
    assert_int_equal(wm_probe_live(), 0);
    release(page);
}

/* Probes a no-access page many times from one thread. */
static DWORD WINAPI probe_many(LPVOID parameter)
{
    unsigned char *page = (unsigned char *)parameter;
    wm_probe_result_t result;
    DWORD wrong = 0;
    int i = 0;

    for (i = 0; i < 200; i++) {
        if (wm_probe(WM_PROBE_READ, page + i, 0, &result) != ERROR_SUCCESS ||
            result.outcome != WM_PROBE_ACCESS_VIOLATION ||
            result.fault_address != (uintptr_t)(page + i)) {
            wrong++;
        }
    }
    return wrong;
}

static void test_probe_from_two_threads_at_once(void **state)
{
    unsigned char *first = page_with_code(PAGE_NOACCESS, NULL, 0);
    unsigned char *second = page_with_code(PAGE_NOACCESS, NULL, 0);
    HANDLE threads[2] = {NULL, NULL};
    DWORD wrong = 0;
    int i = 0;

    (void)state;
    threads[0] = CreateThread(NULL, 0, probe_many, first, 0, NULL);
    threads[1] = CreateThread(NULL, 0, probe_many, second, 0, NULL);
    assert_non_null(threads[0]);
    assert_non_null(threads[1]);
    assert_int_equal(WaitForMultipleObjects(2, threads, TRUE, WM_TEST_WAIT_MS), WAIT_OBJECT_0);
    for (i = 0; i < 2; i++) {
        assert_true(GetExitCodeThread(threads[i], &wrong));
        assert_int_equal(wrong, 0);
        assert_true(CloseHandle(threads[i]));
    }
    assert_int_equal(wm_probe_live(), 0);
    release(second);
    release(first);
}

static void test_probe_rejects_invalid_parameters(void **state)
{
    wm_probe_result_t result;

    (void)state;
    assert_int_equal(wm_probe(WM_PROBE_READ, NULL, 0, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_probe((wm_probe_access_t)7, NULL, 0, &result), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_probe_live(), 0);
}

/* ---- Fenced blocks. ---- */

static void test_fence_after_catches_an_overrun_at_the_exact_address(void **state)
{
    wm_fence_t fence;
    const SIZE_T size = 100;

    (void)state;
    assert_int_equal(wm_fence_alloc(size, WM_FENCE_AFTER, &fence), ERROR_SUCCESS);
    assert_int_equal(((uintptr_t)fence.block + size) % wm_test_system.page_size, 0);
    expect_probe(WM_PROBE_WRITE, fence.block, WM_PROBE_DONE, 0);
    expect_probe(WM_PROBE_WRITE, fence.block + size - 1, WM_PROBE_DONE, 0);
    expect_probe(WM_PROBE_WRITE, fence.block + size, WM_PROBE_ACCESS_VIOLATION,
                 WM_ACCESS_TYPE_WRITE);
    assert_int_equal(wm_fence_release(&fence), ERROR_SUCCESS);
    assert_null(fence.base);
}

static void test_fence_before_catches_an_underrun_at_the_exact_address(void **state)
{
    wm_fence_t fence;
    const SIZE_T size = 100;

    (void)state;
    assert_int_equal(wm_fence_alloc(size, WM_FENCE_BEFORE, &fence), ERROR_SUCCESS);
    assert_int_equal((uintptr_t)fence.block % wm_test_system.page_size, 0);
    expect_probe(WM_PROBE_READ, fence.block, WM_PROBE_DONE, 0);
    expect_probe(WM_PROBE_READ, fence.block - 1, WM_PROBE_ACCESS_VIOLATION, WM_ACCESS_TYPE_READ);
    assert_int_equal(wm_fence_release(&fence), ERROR_SUCCESS);
}

static void test_fence_free_makes_a_use_after_free_fault(void **state)
{
    wm_fence_t fence;
    void *base = NULL;

    (void)state;
    assert_int_equal(wm_fence_alloc(64, WM_FENCE_AFTER, &fence), ERROR_SUCCESS);
    fence.block[0] = PATTERN;
    assert_int_equal(wm_fence_free(&fence), ERROR_SUCCESS);
    assert_int_equal(wm_test_state_at(fence.block), MEM_RESERVE); /* kept, not committed */
    expect_probe(WM_PROBE_READ, fence.block, WM_PROBE_ACCESS_VIOLATION, WM_ACCESS_TYPE_READ);
    expect_probe(WM_PROBE_WRITE, fence.block + 10, WM_PROBE_ACCESS_VIOLATION, WM_ACCESS_TYPE_WRITE);
    assert_int_equal(wm_fence_free(&fence), ERROR_INVALID_PARAMETER); /* a double free */
    base = fence.base;
    assert_int_equal(wm_fence_release(&fence), ERROR_SUCCESS);
    assert_int_equal(wm_test_state_at(base), MEM_FREE);
}

static void test_fence_functions_reject_invalid_parameters(void **state)
{
    wm_fence_t fence;

    (void)state;
    assert_int_equal(wm_fence_alloc(1, WM_FENCE_AFTER, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_fence_alloc(0, WM_FENCE_AFTER, &fence), ERROR_INVALID_PARAMETER);
    assert_null(fence.base);
    assert_int_equal(wm_fence_alloc(1, (wm_fence_side_t)9, &fence), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_fence_alloc((SIZE_T)-1, WM_FENCE_AFTER, &fence), ERROR_ARITHMETIC_OVERFLOW);
    assert_int_equal(wm_fence_free(NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_fence_free(&fence), ERROR_INVALID_PARAMETER); /* not allocated */
    assert_int_equal(wm_fence_release(NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_fence_release(&fence), ERROR_INVALID_PARAMETER);
}

/* ---- Read-only after initialisation. ---- */

static void test_readonly_table_is_writable_until_sealed_then_faults(void **state)
{
    wm_readonly_t table;
    wm_probe_result_t result;
    unsigned char *bytes = NULL;
    DWORD protect = 0;

    (void)state;
    assert_int_equal(wm_readonly_create(100, &table), ERROR_SUCCESS);
    assert_int_equal(table.size, wm_test_system.page_size);
    bytes = (unsigned char *)table.base;
    bytes[3] = PATTERN; /* initialisation */
    assert_int_equal(wm_readonly_seal(&table), ERROR_SUCCESS);
    assert_int_equal(wm_protect_query(table.base, &protect), ERROR_SUCCESS);
    assert_int_equal(protect, PAGE_READONLY);
    assert_int_equal(wm_probe(WM_PROBE_READ, bytes + 3, 0, &result), ERROR_SUCCESS);
    assert_int_equal(result.value, PATTERN);
    expect_probe(WM_PROBE_WRITE, bytes + 3, WM_PROBE_ACCESS_VIOLATION, WM_ACCESS_TYPE_WRITE);
    assert_int_equal(bytes[3], PATTERN);
    assert_int_equal(wm_readonly_seal(&table), ERROR_INVALID_PARAMETER); /* sealed already */
    assert_int_equal(wm_readonly_destroy(&table), ERROR_SUCCESS);
    assert_null(table.base);
}

static void test_readonly_functions_reject_invalid_parameters(void **state)
{
    wm_readonly_t table;

    (void)state;
    assert_int_equal(wm_readonly_create(1, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_readonly_create(0, &table), ERROR_INVALID_PARAMETER);
    assert_null(table.base);
    assert_int_equal(wm_readonly_create((SIZE_T)-1, &table), ERROR_ARITHMETIC_OVERFLOW);
    assert_int_equal(wm_readonly_seal(NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_readonly_seal(&table), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_readonly_destroy(NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_readonly_destroy(&table), ERROR_INVALID_PARAMETER);
}

/* ---- The sweep. ---- */

/* Every module function once, with a probe that faults and one that does not. A release
 * that was made to fail is tried again (the injector fails one call only). */
static DWORD use_every_function(void)
{
    wm_fence_t fence;
    wm_readonly_t table;
    wm_probe_result_t result;
    DWORD old_protect = 0;
    DWORD error = ERROR_SUCCESS;

    error = wm_fence_alloc(16, WM_FENCE_AFTER, &fence);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    error = wm_probe(WM_PROBE_WRITE, fence.block + fence.size, 0, &result);
    if (error == ERROR_SUCCESS) {
        error = wm_probe(WM_PROBE_READ, fence.block, 0, &result);
    }
    if (error == ERROR_SUCCESS) {
        error = wm_guard_arm(fence.block, 1, &old_protect);
    }
    if (error == ERROR_SUCCESS) {
        error = wm_fence_free(&fence);
    }
    if (error == ERROR_SUCCESS) {
        error = wm_readonly_create(1, &table);
        if (error == ERROR_SUCCESS) {
            error = wm_readonly_seal(&table);
            if (wm_readonly_destroy(&table) != ERROR_SUCCESS) {
                error = error != ERROR_SUCCESS ? error : WM_TEST_INJECTED_ERROR;
                (void)wm_readonly_destroy(&table);
            }
        }
    }
    if (wm_fence_release(&fence) != ERROR_SUCCESS) {
        error = error != ERROR_SUCCESS ? error : WM_TEST_INJECTED_ERROR;
        (void)wm_fence_release(&fence);
    }
    return error;
}

static void test_protect_every_injected_failure_is_reported_and_leaves_nothing_held(void **state)
{
    (void)state;
    wm_test_sweep("protect", use_every_function, 0);
    assert_int_equal(wm_probe_live(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_protect_format_and_parse_round_trip_with_modifiers),
        cmocka_unit_test(test_protect_format_and_parse_reject_invalid_input),
        cmocka_unit_test(test_protect_change_returns_the_old_value_both_ways),
        cmocka_unit_test(test_protect_change_on_reserved_pages_fails),
        cmocka_unit_test(test_protect_writecopy_on_private_memory_fails),
        cmocka_unit_test(test_protect_change_and_query_reject_invalid_parameters),
        cmocka_unit_test(test_probe_noaccess_faults_on_read_write_and_execute),
        cmocka_unit_test(test_probe_readonly_reads_and_faults_on_write_and_execute),
        cmocka_unit_test(test_probe_readwrite_reads_writes_and_faults_on_execute),
        cmocka_unit_test(test_probe_execute_runs_and_faults_on_write),
        cmocka_unit_test(test_probe_execute_read_and_execute_readwrite),
        cmocka_unit_test(test_probe_writecopy_view_reads_writes_privately_and_faults_on_execute),
        cmocka_unit_test(test_guard_fires_once_then_the_page_is_plain_readwrite),
        cmocka_unit_test(test_guard_arm_rejects_invalid_parameters),
        cmocka_unit_test(test_dep_code_in_a_readwrite_page_faults_then_runs_after_protecting),
        cmocka_unit_test(test_probe_passes_a_fault_in_executed_code_to_the_next_handler),
        cmocka_unit_test_teardown(test_probe_leaves_no_handler_and_no_page_behind,
                                  wm_test_teardown),
        cmocka_unit_test(test_probe_from_two_threads_at_once),
        cmocka_unit_test(test_probe_rejects_invalid_parameters),
        cmocka_unit_test(test_fence_after_catches_an_overrun_at_the_exact_address),
        cmocka_unit_test(test_fence_before_catches_an_underrun_at_the_exact_address),
        cmocka_unit_test(test_fence_free_makes_a_use_after_free_fault),
        cmocka_unit_test(test_fence_functions_reject_invalid_parameters),
        cmocka_unit_test(test_readonly_table_is_writable_until_sealed_then_faults),
        cmocka_unit_test(test_readonly_functions_reject_invalid_parameters),
        cmocka_unit_test_teardown(
            test_protect_every_injected_failure_is_reported_and_leaves_nothing_held,
            wm_test_teardown),
    };

    return cmocka_run_group_tests(tests, wm_test_group_setup, NULL);
}
