# ctest rtl.lint: verilator --lint-only -Wall on hpvp_systolic_array for every
# parameter set. Run as
#   cmake -DVERILATOR=<verilator_bin> -DSETS=r:c:aw:ww:acc,... -DSOURCES=a.v,b.v -P lint.cmake
# Fails on the first warning (Verilator makes -Wall warnings fatal).
string(REPLACE "," ";" SETS "${SETS}")
string(REPLACE "," ";" SOURCES "${SOURCES}")
set(failed 0)
foreach(set IN LISTS SETS)
  string(REPLACE ":" ";" p "${set}")
  list(GET p 0 rows)
  list(GET p 1 cols)
  list(GET p 2 aw)
  list(GET p 3 ww)
  list(GET p 4 acc)
  execute_process(
    COMMAND ${VERILATOR} --lint-only -Wall --top-module hpvp_systolic_array
      -GROWS=${rows} -GCOLS=${cols} -GAW=${aw} -GWW=${ww} -GACC=${acc} ${SOURCES}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(rc EQUAL 0 AND out STREQUAL "")
    message(STATUS "lint ${rows}x${cols} a${aw} w${ww} acc${acc}: clean")
  else()
    message(STATUS "lint ${rows}x${cols} a${aw} w${ww} acc${acc}: FAILED (rc ${rc})\n${out}")
    set(failed 1)
  endif()
endforeach()
if(failed)
  message(FATAL_ERROR "verilator lint failed")
endif()
