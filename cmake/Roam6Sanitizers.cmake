# ASan + UBSan for the whole build (ROAM6_SANITIZE=ON), and the libFuzzer
# instrumentation flags (ROAM6_FUZZ=ON, clang only). Applied globally so every
# library a test links is instrumented the same way.
if(ROAM6_SANITIZE OR ROAM6_FUZZ)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined -fno-sanitize-recover=all)
endif()
if(ROAM6_SANITIZE)
  # Position-dependent executables: a position-independent one starts by
  # applying millions of relative relocations (ASan's metadata for every
  # global), 0.7 s before a unit test's first line; without, half that. The
  # ASan suite starts over a thousand processes.
  string(APPEND CMAKE_EXE_LINKER_FLAGS " -no-pie")
endif()
if(ROAM6_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "ROAM6_FUZZ needs clang (libFuzzer); use the 'fuzz' preset")
  endif()
  # Instrument everything for coverage; only fuzz targets link the driver.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
