/*
 * test_diagnostics.c - the address-space map: coverage, totals, each VMMap type, names,
 * diffs, opening processes, working-set pages, invalid parameters, and the fault sweep.
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_test.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "winmem.h"
#include "wm_os.h"

/* A process ID no process has: IDs are multiples of 4 and this one is far past any. */
#define BOGUS_PROCESS_ID 0x7FFFFFF0u

/* Bytes written to the temporary file a test maps. */
#define MAPPED_FILE_BYTES 8192u

/* The map's fault sweep: every call this close to either end, every this-many-th between. */
#define MAP_SWEEP_EDGE 64ul
#define MAP_SWEEP_STRIDE 7ul

/* Takes this process's map or fails the test. */
static void take_own_map(wm_map_t *map)
{
    assert_int_equal(wm_map_take(GetCurrentProcess(), map), ERROR_SUCCESS);
    assert_true(map->count > 1);
    assert_non_null(map->regions);
}

/* The type of the region holding address. */
static wm_map_type_t type_at(const wm_map_t *map, uintptr_t address)
{
    const wm_map_region_t *region = NULL;

    assert_int_equal(wm_map_find(map, address, &region), ERROR_SUCCESS);
    assert_non_null(region);
    return region->type;
}

/* 1 when text ends with suffix, ignoring case (Windows paths are case-insensitive). */
static int ends_with(const char *text, const char *suffix)
{
    size_t text_length = strlen(text);
    size_t suffix_length = strlen(suffix);

    if (suffix_length > text_length) {
        return 0;
    }
    return _stricmp(text + text_length - suffix_length, suffix) == 0;
}

static void test_map_covers_the_range_contiguously_and_totals_add_up(void **state)
{
    wm_map_t map;
    ULONGLONG sum = 0;
    ULONGLONG per_type[WM_MAP_TYPE_COUNT];
    SIZE_T index = 0;
    unsigned type = 0;

    (void)state;
    memset(per_type, 0, sizeof per_type);
    take_own_map(&map);
    assert_true(map.start == wm_test_system.lowest_address);
    assert_true(map.end == wm_test_system.highest_address + 1);
    for (index = 0; index < map.count; index++) {
        if (index > 0) {
            assert_true(map.regions[index].base ==
                        map.regions[index - 1].base + map.regions[index - 1].size);
        }
        per_type[map.regions[index].type] += map.regions[index].size;
        if (map.regions[index].committed > 0) {
            assert_int_equal(map.regions[index].state, MEM_COMMIT);
        }
    }
    for (type = 0; type < WM_MAP_TYPE_COUNT; type++) {
        assert_true(per_type[type] == map.totals[type].size);
        assert_true(map.totals[type].committed <= map.totals[type].size);
        sum += map.totals[type].size;
    }
    assert_true(sum == (ULONGLONG)(map.end - map.start));
    assert_true(map.largest_free <= map.totals[WM_MAP_FREE].size);
    assert_true(map.largest_free > 0);
    assert_int_equal(map.heaps_identified, 1);
    assert_int_equal(map.stacks_identified, 1);
    assert_int_equal(wm_map_free(&map), ERROR_SUCCESS);
    assert_null(map.regions);
}

static void test_map_types_images_with_their_names(void **state)
{
    wm_map_t map;
    const wm_map_region_t *region = NULL;
    const wchar_t *dlls[] = {L"ntdll.dll", L"kernel32.dll"};
    const char *dll_names[] = {"\\ntdll.dll", "\\kernel32.dll"};
    HMODULE module = NULL;
    size_t index = 0;

    (void)state;
    take_own_map(&map);
    module = GetModuleHandleW(NULL); /* this .exe: no reference taken */
    assert_int_equal(wm_map_find(&map, (uintptr_t)module, &region), ERROR_SUCCESS);
    assert_int_equal(region->type, WM_MAP_IMAGE);
    assert_true(ends_with(region->name, "\\test_diagnostics.exe"));
    for (index = 0; index < sizeof dlls / sizeof dlls[0]; index++) {
        module = GetModuleHandleW(dlls[index]); /* loaded in every process */
        assert_non_null(module);
        assert_int_equal(wm_map_find(&map, (uintptr_t)module, &region), ERROR_SUCCESS);
        assert_int_equal(region->type, WM_MAP_IMAGE);
        assert_true(ends_with(region->name, dll_names[index]));
    }
    assert_int_equal(wm_map_free(&map), ERROR_SUCCESS);
}

static void test_map_types_a_reservation_as_private_data_with_its_size(void **state)
{
    wm_map_t map;
    const wm_map_region_t *region = NULL;
    void *base = NULL;
    const SIZE_T size = 4 * (SIZE_T)wm_test_system.allocation_granularity;

    (void)state;
    assert_int_equal(wm_vm_reserve(NULL, size, &base), ERROR_SUCCESS);
    take_own_map(&map);
    assert_int_equal(wm_map_find(&map, (uintptr_t)base, &region), ERROR_SUCCESS);
    assert_int_equal(region->type, WM_MAP_PRIVATE);
    assert_true(region->base == (uintptr_t)base);
    assert_true(region->size == size);
    assert_int_equal(region->state, MEM_RESERVE);
    assert_true(region->committed == 0);
    assert_int_equal(wm_map_free(&map), ERROR_SUCCESS);
    assert_int_equal(wm_vm_release(base), ERROR_SUCCESS);
}

static void test_map_shows_the_unusable_rest_of_a_one_byte_reservation(void **state)
{
    wm_map_t map;
    const wm_map_region_t *region = NULL;
    void *base = NULL;

    (void)state;
    assert_int_equal(wm_vm_reserve(NULL, 1, &base), ERROR_SUCCESS);
    take_own_map(&map);
    /* One page is reserved; the rest of the granularity unit cannot be reserved by anyone. */
    assert_int_equal(wm_map_find(&map, (uintptr_t)base, &region), ERROR_SUCCESS);
    assert_true(region->size == wm_test_system.page_size);
    assert_int_equal(wm_map_find(&map, (uintptr_t)base + wm_test_system.page_size, &region),
                     ERROR_SUCCESS);
    assert_int_equal(region->type, WM_MAP_UNUSABLE);
    assert_true(region->base == (uintptr_t)base + wm_test_system.page_size);
    assert_true(region->size == wm_test_system.allocation_granularity - wm_test_system.page_size);
    assert_int_equal(wm_map_free(&map), ERROR_SUCCESS);
    assert_int_equal(wm_vm_release(base), ERROR_SUCCESS);
}

static void test_map_types_a_page_file_section_view_as_shareable(void **state)
{
    wm_map_t map;
    HANDLE section = NULL;
    void *view = NULL;

    (void)state;
    section = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, /* the page file, no security */
                                 PAGE_READWRITE, 0, wm_test_system.allocation_granularity,
                                 NULL); /* unnamed */
    assert_non_null(section);
    view = MapViewOfFile(section, FILE_MAP_WRITE, 0, 0, 0); /* the whole section */
    assert_non_null(view);
    take_own_map(&map);
    assert_int_equal(type_at(&map, (uintptr_t)view), WM_MAP_SHAREABLE);
    assert_int_equal(wm_map_free(&map), ERROR_SUCCESS);
    assert_true(UnmapViewOfFile(view));
    assert_true(CloseHandle(section));
}

static void test_map_types_a_mapped_temp_file_with_its_name(void **state)
{
    wm_map_t map;
    const wm_map_region_t *region = NULL;
    wchar_t folder[MAX_PATH];
    wchar_t path[MAX_PATH];
    char expected[MAX_PATH];
    static const char bytes[MAPPED_FILE_BYTES] = {1};
    HANDLE file = INVALID_HANDLE_VALUE;
    HANDLE section = NULL;
    void *view = NULL;
    DWORD written = 0;
    DWORD length = 0;
    UINT unique = 0;

    (void)state;
    length = GetTempPathW(MAX_PATH, folder);
    assert_true(length > 0 && length < MAX_PATH);
    unique = GetTempFileNameW(folder, L"wmd", 0, path); /* creates it, empty */
    assert_true(unique != 0);
    file = CreateFileW(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, /* not shared */
                       CREATE_ALWAYS, FILE_ATTRIBUTE_TEMPORARY, NULL);
    assert_true(file != INVALID_HANDLE_VALUE);
    assert_true(WriteFile(file, bytes, sizeof bytes, &written, NULL));
    section = CreateFileMappingW(file, NULL, PAGE_READONLY, 0, 0, NULL); /* the file's size */
    assert_non_null(section);
    view = MapViewOfFile(section, FILE_MAP_READ, 0, 0, 0);
    assert_non_null(view);
    take_own_map(&map);
    assert_int_equal(wm_map_find(&map, (uintptr_t)view, &region), ERROR_SUCCESS);
    assert_int_equal(region->type, WM_MAP_MAPPED_FILE);
    /* The file name at the end is the same everywhere. The form of the path: the device form,
     * \Device\HarddiskVolumeN\... (psapi_main.c, test_GetMappedFileName: the name starts
     * with the drive's QueryDosDevice name, todo_wine), or under Wine the recorded deviation
     * wine-mapped-name-dos-form, the NT form of the DOS path, \??\C:\.... */
    assert_int_equal(wm_utf8_from_wide(wcsrchr(path, L'\\'), expected, sizeof expected),
                     ERROR_SUCCESS);
    assert_true(ends_with(region->name, expected));
    assert_true(strncmp(region->name, "\\Device\\", 8) == 0 ||
                (wm_is_wine() && strncmp(region->name, "\\??\\", 4) == 0));
    assert_int_equal(wm_map_free(&map), ERROR_SUCCESS);
    assert_true(UnmapViewOfFile(view));
    assert_true(CloseHandle(section));
    assert_true(CloseHandle(file));
    assert_true(DeleteFileW(path));
}

static void test_map_types_heaps_and_the_stack(void **state)
{
    wm_map_t map;
    HANDLE heap = NULL;
    HANDLE process_heap = NULL;
    void *block = NULL;
    int local = 0;

    (void)state;
    assert_int_equal(wm_heap_create(0, 0, 0, &heap), ERROR_SUCCESS);
    assert_int_equal(wm_heap_alloc(heap, 0, 64, &block), ERROR_SUCCESS);
    assert_int_equal(wm_heap_process(&process_heap), ERROR_SUCCESS);
    take_own_map(&map);
    assert_int_equal(type_at(&map, (uintptr_t)block), WM_MAP_HEAP);
    assert_int_equal(type_at(&map, (uintptr_t)process_heap), WM_MAP_HEAP);
    assert_int_equal(type_at(&map, (uintptr_t)&local), WM_MAP_STACK);
    assert_true(map.totals[WM_MAP_HEAP].committed > 0);
    assert_int_equal(wm_map_free(&map), ERROR_SUCCESS);
    assert_int_equal(wm_heap_destroy(heap), ERROR_SUCCESS);
}

/* wm_map_diff visitor: looks for the two regions a test made among the changes. Other
 * threads (a worker ending, a heap committing) may add changes of their own meanwhile, so
 * the test counts only its own regions. */
typedef struct seen_s
{
    uintptr_t added;         /* the base of the reservation the test made */
    uintptr_t removed;       /* the base of the reservation the test released */
    SIZE_T added_appeared;   /* times the added one appeared */
    SIZE_T removed_vanished; /* times the released one disappeared */
    SIZE_T ours_changed;     /* changes reported for either base that are not those */
} seen_t;

static int record_change(void *context, wm_map_change_t change, const wm_map_region_t *before,
                         const wm_map_region_t *after)
{
    seen_t *seen = (seen_t *)context;
    uintptr_t base = change == WM_MAP_DISAPPEARED ? before->base : after->base;

    if (change == WM_MAP_APPEARED && base == seen->added) {
        seen->added_appeared++;
    } else if (change == WM_MAP_DISAPPEARED && base == seen->removed) {
        seen->removed_vanished++;
    } else if (base == seen->added || base == seen->removed) {
        seen->ours_changed++;
    }
    return 0;
}

static void test_map_diff_finds_an_added_and_a_removed_reservation(void **state)
{
    wm_map_t before;
    wm_map_t after;
    seen_t seen;
    void *old_base = NULL;
    void *new_base = NULL;
    SIZE_T changes = 0;

    (void)state;
    memset(&seen, 0, sizeof seen);
    assert_int_equal(wm_vm_reserve(NULL, wm_test_system.allocation_granularity, &old_base),
                     ERROR_SUCCESS);
    take_own_map(&before);
    /* Reserve first, then release: the new one cannot reuse the old one's address. */
    assert_int_equal(
        wm_vm_reserve(NULL, 2 * (SIZE_T)wm_test_system.allocation_granularity, &new_base),
        ERROR_SUCCESS);
    assert_int_equal(wm_vm_release(old_base), ERROR_SUCCESS);
    take_own_map(&after);
    seen.added = (uintptr_t)new_base;
    seen.removed = (uintptr_t)old_base;
    assert_int_equal(wm_map_diff(&before, &after, record_change, &seen, &changes), ERROR_SUCCESS);
    assert_true(changes >= 2); /* ours, and whatever other threads did meanwhile */
    assert_int_equal(seen.added_appeared, 1);
    assert_int_equal(seen.removed_vanished, 1);
    assert_int_equal(seen.ours_changed, 0);
    /* A map compared with itself has no changes: nothing else can run between. */
    assert_int_equal(wm_map_diff(&after, &after, NULL, NULL, &changes), ERROR_SUCCESS);
    assert_int_equal(changes, 0);
    assert_int_equal(wm_map_free(&after), ERROR_SUCCESS);
    assert_int_equal(wm_map_free(&before), ERROR_SUCCESS);
    assert_int_equal(wm_vm_release(new_base), ERROR_SUCCESS);
}

static void test_map_open_process_of_missing_ids_fails_with_invalid_parameter(void **state)
{
    HANDLE process = INVALID_HANDLE_VALUE;

    (void)state;
    /* OpenProcess on Microsoft Learn: the System Idle Process (0) is ERROR_INVALID_PARAMETER;
     * an ID no process has gives the same code on Windows and on Wine. */
    assert_int_equal(wm_map_open_process(BOGUS_PROCESS_ID, &process), ERROR_INVALID_PARAMETER);
    assert_null(process);
    assert_int_equal(wm_map_open_process(0, &process), ERROR_INVALID_PARAMETER);
    assert_null(process);
}

static void test_map_of_this_process_by_id_has_images_but_no_heaps(void **state)
{
    wm_map_t map;
    HANDLE process = NULL;
    int local = 0;

    (void)state;
    assert_int_equal(wm_map_open_process(GetCurrentProcessId(), &process), ERROR_SUCCESS);
    assert_int_equal(wm_map_take(process, &map), ERROR_SUCCESS);
    assert_int_equal(map.heaps_identified, 0);
    assert_int_equal(map.stacks_identified, 0);
    assert_int_equal(type_at(&map, (uintptr_t)GetModuleHandleW(NULL)), WM_MAP_IMAGE);
    /* Through a handle, a stack is one more private allocation. */
    assert_int_equal(type_at(&map, (uintptr_t)&local), WM_MAP_PRIVATE);
    assert_int_equal(wm_map_free(&map), ERROR_SUCCESS);
    assert_int_equal(wm_map_close_process(process), ERROR_SUCCESS);
}

static void test_map_of_a_child_we_started_shows_its_executable(void **state)
{
    STARTUPINFOW startup;
    PROCESS_INFORMATION child;
    wchar_t program[MAX_PATH];
    wchar_t command_line[MAX_PATH + 8];
    wm_map_t map;
    HANDLE process = NULL;
    SIZE_T index = 0;
    int found = 0;

    (void)state;
    memset(&startup, 0, sizeof startup);
    memset(&child, 0, sizeof child);
    startup.cb = sizeof startup;
    assert_int_equal(wm_process_sibling_path(L"helper_child.exe", program, MAX_PATH),
                     ERROR_SUCCESS);
    swprintf(command_line, sizeof command_line / sizeof command_line[0], L"\"%ls\"", program);
    /* Suspended: the child cannot end before it is mapped. Its .exe is mapped already: the
     * system maps the image when it creates the process, before the first thread runs. */
    assert_true(CreateProcessW(program, command_line, NULL, NULL, FALSE, /* no handles */
                               CREATE_SUSPENDED, NULL, NULL, &startup, &child));
    assert_int_equal(wm_map_open_process(child.dwProcessId, &process), ERROR_SUCCESS);
    assert_int_equal(wm_map_take(process, &map), ERROR_SUCCESS);
    assert_int_equal(map.heaps_identified, 0);
    for (index = 0; index < map.count; index++) {
        if (map.regions[index].type == WM_MAP_IMAGE &&
            ends_with(map.regions[index].name, "\\helper_child.exe")) {
            found = 1;
        }
    }
    assert_int_equal(wm_map_free(&map), ERROR_SUCCESS);
    assert_int_equal(wm_map_close_process(process), ERROR_SUCCESS);
    assert_true(TerminateProcess(child.hProcess, 0)); /* it never ran */
    assert_int_equal(WaitForSingleObject(child.hProcess, WM_TEST_WAIT_MS), WAIT_OBJECT_0);
    assert_true(CloseHandle(child.hThread));
    assert_true(CloseHandle(child.hProcess));
    assert_int_equal(found, 1);
}

static void test_working_set_pages_see_the_first_touch(void **state)
{
    wm_ws_page_t pages[2];
    unsigned char *base = NULL;

    (void)state;
    assert_int_equal(
        wm_vm_allocate(NULL, 2 * (SIZE_T)wm_test_system.page_size, PAGE_READWRITE, (void **)&base),
        ERROR_SUCCESS);
    base[0] = 1; /* touch the first page only */
    assert_int_equal(wm_working_set_pages(GetCurrentProcess(), base, 2, pages), ERROR_SUCCESS);
    assert_true(pages[0].address == (uintptr_t)base);
    assert_int_equal(pages[0].valid, 1);
    assert_int_equal(pages[0].protection, PAGE_READWRITE);
    assert_int_equal(pages[0].shared, 0);
    assert_int_equal(pages[1].valid, 0);
    assert_int_equal(wm_vm_release(base), ERROR_SUCCESS);
}

static void test_type_names_round_trip(void **state)
{
    wm_map_type_t type = WM_MAP_FREE;
    unsigned index = 0;

    (void)state;
    for (index = 0; index < WM_MAP_TYPE_COUNT; index++) {
        assert_int_equal(wm_map_type_parse(wm_map_type_name((wm_map_type_t)index), &type),
                         ERROR_SUCCESS);
        assert_int_equal(type, index);
    }
    assert_string_equal(wm_map_type_name(WM_MAP_TYPE_COUNT), "?");
    assert_int_equal(wm_map_type_parse("Nope", &type), ERROR_NOT_FOUND);
}

static void test_invalid_parameters_are_refused(void **state)
{
    wm_map_t map;
    wm_map_t broken;
    wm_ws_page_t page;
    const wm_map_region_t *region = NULL;
    wm_map_type_t type = WM_MAP_FREE;
    SIZE_T changes = 0;
    int local = 0;

    (void)state;
    memset(&map, 0, sizeof map);
    memset(&broken, 0, sizeof broken);
    broken.count = 1; /* regions NULL */
    assert_int_equal(wm_map_open_process(1, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_map_close_process(NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_map_take(NULL, &map), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_map_take(GetCurrentProcess(), NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_map_free(NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_map_free(&map), ERROR_SUCCESS); /* a zeroed map is fine */
    assert_int_equal(wm_map_recount(NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_map_recount(&broken), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_map_find(NULL, 0, &region), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_map_find(&map, 0, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_map_find(&map, 0, &region), ERROR_NOT_FOUND);
    assert_int_equal(wm_map_diff(NULL, &map, NULL, NULL, &changes), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_map_diff(&map, NULL, NULL, NULL, &changes), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_map_diff(&map, &map, NULL, NULL, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_map_diff(&broken, &map, NULL, NULL, &changes), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_map_type_parse(NULL, &type), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_map_type_parse("Heap", NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_working_set_pages(NULL, &local, 1, &page), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_working_set_pages(GetCurrentProcess(), NULL, 1, &page),
                     ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_working_set_pages(GetCurrentProcess(), &local, 0, &page),
                     ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_working_set_pages(GetCurrentProcess(), &local, 1, NULL),
                     ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_working_set_pages(GetCurrentProcess(), &local, SIZE_MAX, &page),
                     ERROR_ARITHMETIC_OVERFLOW);
}

/* Sweep operations. The map of this process through a handle: OpenProcess, the walks,
 * the names, the storage, CloseHandle. (The map through GetCurrentProcess() also walks
 * every heap, one HeapWalk per block: too many calls for a sweep; test_heap sweeps the
 * heap walk itself.) */
static DWORD map_by_id(void)
{
    wm_map_t map;
    HANDLE process = NULL;
    DWORD error = ERROR_SUCCESS;
    DWORD freed = ERROR_SUCCESS;

    memset(&map, 0, sizeof map);
    error = wm_map_open_process(GetCurrentProcessId(), &process);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    error = wm_map_take(process, &map);
    if (error == ERROR_SUCCESS) {
        freed = wm_map_free(&map);
        error = freed;
    }
    freed = wm_map_close_process(process);
    if (error == ERROR_SUCCESS) {
        error = freed;
    }
    return error;
}

static DWORD working_set_of_a_local(void)
{
    wm_ws_page_t page;
    int local = 0;

    return wm_working_set_pages(GetCurrentProcess(), &local, 1, &page);
}

/* Calls a whole map makes, counted with the injector armed past the end. */
static unsigned long count_calls(wm_test_operation_fn operation)
{
    DWORD error = ERROR_SUCCESS;

    wm_os_fault_arm(ULONG_MAX, WM_TEST_INJECTED_ERROR); /* never fires: only counts */
    error = operation();
    assert_int_equal(error, ERROR_SUCCESS);
    return wm_os_fault_disarm();
}

/* Fails call nth of operation and checks the result: the injected error (or success
 * through a best-effort name), and nothing held unless the failed call was a release. */
static void fail_call(const char *name, wm_test_operation_fn operation, unsigned long nth)
{
    const char *fired = NULL;
    DWORD error = ERROR_SUCCESS;

    wm_test_count_resources();
    wm_os_fault_arm(nth, WM_TEST_INJECTED_ERROR);
    error = operation();
    (void)wm_os_fault_disarm();
    fired = wm_os_fault_fired();
    if (fired != NULL && error != ERROR_SUCCESS) {
        print_message("%s: call %lu (%s) failed -> %lu\n", name, nth, fired, (unsigned long)error);
        assert_int_equal(error, wm_test_expected_error(fired));
    } else {
        assert_int_equal(error, ERROR_SUCCESS);
    }
    if (!wm_test_release_failed(fired)) {
        assert_true(wm_test_nothing_held());
    }
    wm_test_stop_counting();
}

static void test_fault_sweep_leaves_nothing_held(void **state)
{
    unsigned long calls = 0;
    unsigned long nth = 0;

    (void)state;
    /* A map makes one VirtualQueryEx per region, twice, and more: over a thousand calls, too
     * many for wm_test_sweep (WM_TEST_MAX_CALLS). So: every one of the first and the last
     * MAP_SWEEP_EDGE calls (opening, sizing, the storage, closing), and every
     * MAP_SWEEP_STRIDE-th call between (the walks and the names). */
    calls = count_calls(map_by_id);
    assert_true(calls > 0);
    for (nth = 1; nth <= calls; nth++) {
        if (nth <= MAP_SWEEP_EDGE || nth + MAP_SWEEP_EDGE > calls || nth % MAP_SWEEP_STRIDE == 0) {
            fail_call("map by process ID", map_by_id, nth);
        }
    }
    wm_test_sweep("working-set pages", working_set_of_a_local, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_map_covers_the_range_contiguously_and_totals_add_up,
                                  wm_test_teardown),
        cmocka_unit_test_teardown(test_map_types_images_with_their_names, wm_test_teardown),
        cmocka_unit_test_teardown(test_map_types_a_reservation_as_private_data_with_its_size,
                                  wm_test_teardown),
        cmocka_unit_test_teardown(test_map_shows_the_unusable_rest_of_a_one_byte_reservation,
                                  wm_test_teardown),
        cmocka_unit_test_teardown(test_map_types_a_page_file_section_view_as_shareable,
                                  wm_test_teardown),
        cmocka_unit_test_teardown(test_map_types_a_mapped_temp_file_with_its_name,
                                  wm_test_teardown),
        cmocka_unit_test_teardown(test_map_types_heaps_and_the_stack, wm_test_teardown),
        cmocka_unit_test_teardown(test_map_diff_finds_an_added_and_a_removed_reservation,
                                  wm_test_teardown),
        cmocka_unit_test_teardown(test_map_open_process_of_missing_ids_fails_with_invalid_parameter,
                                  wm_test_teardown),
        cmocka_unit_test_teardown(test_map_of_this_process_by_id_has_images_but_no_heaps,
                                  wm_test_teardown),
        cmocka_unit_test_teardown(test_map_of_a_child_we_started_shows_its_executable,
                                  wm_test_teardown),
        cmocka_unit_test_teardown(test_working_set_pages_see_the_first_touch, wm_test_teardown),
        cmocka_unit_test_teardown(test_type_names_round_trip, wm_test_teardown),
        cmocka_unit_test_teardown(test_invalid_parameters_are_refused, wm_test_teardown),
        cmocka_unit_test_teardown(test_fault_sweep_leaves_nothing_held, wm_test_teardown),
    };

    return cmocka_run_group_tests(tests, wm_test_group_setup, NULL);
}
