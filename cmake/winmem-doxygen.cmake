# The library's API reference, built with Doxygen from the headers in src/ (optional).
#
# When Doxygen and a POSIX shell (for cmake/doxygen-filter.sh) are found, this adds the target
# `winmem_api_docs` (not part of `all`: `cmake --build --preset mingw-wine --target
# winmem_api_docs`), writing HTML to <build>/api-docs/html, and the ctest test `docs.doxygen`,
# which runs the same configuration and fails on any Doxygen warning (WARN_AS_ERROR). Without
# Doxygen nothing is added. On Debian: apt-get install doxygen.

find_package(Doxygen QUIET)
find_program(WM_SHELL sh)
if(DOXYGEN_FOUND AND WM_SHELL)
    set(DOXYGEN_PROJECT_NAME "winmem")
    set(DOXYGEN_PROJECT_BRIEF "${PROJECT_DESCRIPTION}")
    set(DOXYGEN_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/api-docs")
    set(DOXYGEN_FILE_PATTERNS "wm_*.h" "winmem.h")
    set(DOXYGEN_INPUT_FILTER "${WM_SHELL} ${PROJECT_SOURCE_DIR}/cmake/doxygen-filter.sh")
    set(DOXYGEN_OPTIMIZE_OUTPUT_FOR_C YES)
    set(DOXYGEN_EXTRACT_ALL YES)    # every declaration, documented or not
    set(DOXYGEN_EXTRACT_STATIC YES) # the inline fast paths (wm_arena_alloc)
    set(DOXYGEN_MARKDOWN_SUPPORT NO) # the comments are plain text, not Markdown
    set(DOXYGEN_GENERATE_LATEX NO)
    set(DOXYGEN_HAVE_DOT NO)
    set(DOXYGEN_QUIET YES)
    set(DOXYGEN_WARN_AS_ERROR YES)
    doxygen_add_docs(winmem_api_docs "${PROJECT_SOURCE_DIR}/src"
                     COMMENT "Building the API reference in ${CMAKE_BINARY_DIR}/api-docs")
    if(WM_BUILD_TESTS)
        add_test(NAME docs.doxygen
                 COMMAND Doxygen::doxygen "${CMAKE_BINARY_DIR}/Doxyfile.winmem_api_docs"
                 WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}/src")
    endif()
endif()
