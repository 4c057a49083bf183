// HPVP NPU MAC array: ROWS x COLS systolic array of hpvp_mac_pe, with the
// input skew lines, the fold controller and a per-PE fault-injection hook.
// Output-stationary (OS) and weight-stationary (WS) dataflows, selected per
// fold. Full contract (handshake, cycle counts, fault timing) in docs/rtl.md.
//
// Handshake, one fold (all signals sampled at posedge clk):
//   * Idle (busy = 0): assert `start` with `ws_mode` and `k_len` (= T >= 1).
//     start is ignored while busy and when k_len = 0. The posedge that
//     samples start is fold cycle 0; a beat may (and for the counted cycle
//     numbers must) be presented in that same cycle.
//   * A beat is accepted in every cycle with in_valid & in_ready.
//     OS: T beats; beat t carries a_in = column t of the R x T activation
//       tile (row i in bits [i*AW +: AW]) and b_in = row t of the T x C
//       weight tile (column j in bits [j*WW +: WW]).
//     WS: first ROWS load beats on b_in (weight row ROWS-1 first, row 0
//       last; a_in ignored), then T stream beats on a_in (beat t = row t
//       of the T x ROWS activation tile; b_in ignored).
//   * Skewing is done inside the array (row i delayed i cycles, column j of
//     b delayed j cycles in OS): the producer presents unskewed vectors.
//   * `done` rises after the posedge at which PE(ROWS-1, COLS-1) performs
//     its MAC on the last beat, together with busy falling; it stays high
//     until the next start. `cycles` then equals the fold's cycle count:
//       OS: T + ROWS + COLS - 2          WS: 2*ROWS + COLS + T - 2
//     (no bubbles; every in_valid-low cycle during a fold adds one).
//   * OS results: acc_out, PE(i,j) in bits [(i*COLS+j)*ACC +: ACC], valid
//     from done until the next start. WS results: read bot_valid/bot_out
//     after each posedge; bot_valid[j] = 1 means bot_out[j*ACC +: ACC]
//     holds a new output of column j, output row t after edge
//     ROWS + t + (ROWS-1) + j.
//   * Fault hook: if fi_enable and the fold cycle (0 = start edge) equals
//     fi_cycle, the value PE(fi_row, fi_col) writes into its accumulator at
//     that edge is XORed with fi_mask. OS: the MAC of beat t in PE(i,j) is
//     at fold cycle t+i+j; WS: at ROWS+t+i+j.
// Accumulators wrap modulo 2^ACC (two's complement), no saturation.
module hpvp_systolic_array #(
    parameter integer ROWS = 8,
    parameter integer COLS = 8,
    parameter integer AW   = 8,   // activation width (left edge)
    parameter integer WW   = 8,   // weight width (top edge)
    parameter integer ACC  = 32,  // accumulator width
    parameter integer CW   = 32   // counter width (k_len, cycles, fi_cycle)
) (
    input  wire                     clk,
    input  wire                     rst_n,      // synchronous, active low
    // fold control
    input  wire                     start,
    input  wire                     ws_mode,    // sampled with start: 0 OS, 1 WS
    input  wire [           CW-1:0] k_len,      // T, sampled with start
    output wire                     busy,
    output wire                     done,
    output wire [           CW-1:0] cycles,     // fold cycles so far (frozen at done)
    // operand stream
    input  wire                     in_valid,
    output wire                     in_ready,
    input  wire [      ROWS*AW-1:0] a_in,       // left edge, unskewed
    input  wire [      COLS*WW-1:0] b_in,       // top edge, unskewed
    // results
    output wire [ROWS*COLS*ACC-1:0] acc_out,    // OS: all accumulators
    output wire [     COLS*ACC-1:0] bot_out,    // WS: bottom-row partial sums
    output wire [         COLS-1:0] bot_valid,  // WS: bot_out[j] is a new output
    // fault injection (inactive when fi_enable = 0)
    input  wire                     fi_enable,
    input  wire [             15:0] fi_row,
    input  wire [             15:0] fi_col,
    input  wire [           CW-1:0] fi_cycle,
    input  wire [          ACC-1:0] fi_mask
);
  localparam integer FW = AW + 3;  // row skew payload: {a, valid, first, last}
  localparam [CW-1:0] ONE = {{(CW - 1) {1'b0}}, 1'b1};
  localparam [CW-1:0] LOAD_BEATS = ROWS;

  // ---------------------------------------------------------------- control
  reg busy_q, done_q, ws_q;
  reg [CW-1:0] k_q, lrem_q, scnt_q, cyc_q;

  wire go = start & ~busy_q & (k_len != {CW{1'b0}});
  wire active = go | busy_q;
  wire ws_e = go ? ws_mode : ws_q;
  wire [CW-1:0] k_e = go ? k_len : k_q;
  wire [CW-1:0] lrem_e = go ? (ws_mode ? LOAD_BEATS : {CW{1'b0}}) : lrem_q;
  wire [CW-1:0] scnt_e = go ? {CW{1'b0}} : scnt_q;
  wire [CW-1:0] cyc_e = go ? {CW{1'b0}} : cyc_q;

  wire load_ph = active & (lrem_e != {CW{1'b0}});
  wire stream_ph = active & (lrem_e == {CW{1'b0}}) & (scnt_e != k_e);
  wire take_load = load_ph & in_valid;
  wire take_beat = stream_ph & in_valid;
  wire beat_first = take_beat & (scnt_e == {CW{1'b0}});
  wire beat_last = take_beat & (scnt_e == k_e - ONE);
  wire b_shift = ~ws_e | take_load;
  wire done_fire;

  assign in_ready = load_ph | stream_ph;
  assign busy = busy_q;
  assign done = done_q;
  assign cycles = cyc_q;

  always @(posedge clk) begin
    if (!rst_n) begin
      busy_q <= 1'b0;
      done_q <= 1'b0;
      ws_q   <= 1'b0;
      k_q    <= {CW{1'b0}};
      lrem_q <= {CW{1'b0}};
      scnt_q <= {CW{1'b0}};
      cyc_q  <= {CW{1'b0}};
    end else begin
      if (go) begin
        busy_q <= 1'b1;
        done_q <= 1'b0;
        ws_q   <= ws_mode;
        k_q    <= k_len;
      end
      if (active) begin
        lrem_q <= take_load ? lrem_e - ONE : lrem_e;
        scnt_q <= take_beat ? scnt_e + ONE : scnt_e;
        cyc_q  <= cyc_e + ONE;
      end
      if (done_fire) begin
        busy_q <= 1'b0;
        done_q <= 1'b1;
      end
    end
  end

  // ------------------------------------------------------- fault decoding
  wire fi_now = fi_enable & active & (cyc_e == fi_cycle);
  wire [ROWS-1:0] fi_rh;  // one-hot row / column of the target PE
  wire [COLS-1:0] fi_ch;
  wire os_mode = ~ws_e;

  // --------------------------------------------------------- PE wiring
  // Registered PE outputs, PE(i,j) at index i*COLS+j. Signals that depend
  // combinationally on top-level inputs (row/column edges) are kept in
  // per-row/per-column generate-local wires so that, in the verilated model,
  // only the edge PEs' inputs follow input changes (simulation speed).
  wire [AW-1:0] a_o[0:ROWS*COLS-1];
  wire v_o[0:ROWS*COLS-1];
  wire f_o[0:ROWS*COLS-1];
  wire l_o[0:ROWS*COLS-1];
  wire [WW-1:0] b_o[0:ROWS*COLS-1];
  wire [ACC-1:0] acc[0:ROWS*COLS-1];
  wire done_fire;

  genvar i, j, s;
  generate
    for (i = 0; i < ROWS; i = i + 1) begin : g_row
      // Row skew line: i stages of {a, valid, first, last}.
      wire [FW-1:0] row_head = {a_in[i*AW+:AW], take_beat, beat_first, beat_last};
      wire [FW-1:0] row_edge;
      if (i == 0) begin : g_noskew
        assign row_edge = row_head;
      end else begin : g_skew
        reg [FW-1:0] sk[0:i-1];
        always @(posedge clk) begin
          if (!rst_n) sk[0] <= {FW{1'b0}};
          else sk[0] <= row_head;
        end
        for (s = 1; s < i; s = s + 1) begin : g_stage
          always @(posedge clk) begin
            if (!rst_n) sk[s] <= {FW{1'b0}};
            else sk[s] <= sk[s-1];
          end
        end
        assign row_edge = sk[i-1];
      end
      assign fi_rh[i] = fi_now & ({16'd0, fi_row} == i);

      for (j = 0; j < COLS; j = j + 1) begin : g_col
        localparam integer P = i * COLS + j;
        // this PE's inputs
        wire [AW-1:0] a_w;
        wire v_w, f_w, l_w;
        wire [WW-1:0] b_w;
        wire [ACC-1:0] p_w;
        if (j == 0) begin : g_left
          assign a_w = row_edge[FW-1:3];
          assign v_w = row_edge[2];
          assign f_w = row_edge[1];
          assign l_w = row_edge[0];
        end else begin : g_inner
          assign a_w = a_o[P-1];
          assign v_w = v_o[P-1];
          assign f_w = f_o[P-1];
          assign l_w = l_o[P-1];
        end
        if (i == 0) begin : g_top
          // Column skew line for b (OS): j stages. WS weight loads bypass it
          // so that all columns shift together.
          wire [WW-1:0] col_head = b_in[j*WW+:WW];
          wire [WW-1:0] col_skewed;
          if (j == 0) begin : g_noskew
            assign col_skewed = col_head;
          end else begin : g_skew
            reg [WW-1:0] sk[0:j-1];
            always @(posedge clk) sk[0] <= col_head;
            for (s = 1; s < j; s = s + 1) begin : g_stage
              always @(posedge clk) sk[s] <= sk[s-1];
            end
            assign col_skewed = sk[j-1];
          end
          assign b_w = ws_e ? col_head : col_skewed;
          assign p_w = {ACC{1'b0}};
          assign fi_ch[j] = {16'd0, fi_col} == j;
        end else begin : g_below
          assign b_w = b_o[P-COLS];
          assign p_w = acc[P-COLS];
        end
        if (i == ROWS - 1) begin : g_bottom
          assign bot_out[j*ACC+:ACC] = acc[P];
          assign bot_valid[j] = v_o[P];
          if (j == COLS - 1) begin : g_last
            // The last beat reaches PE(ROWS-1, COLS-1): its MAC is at this edge.
            assign done_fire = v_w & l_w;
          end
        end
        // Outputs leaving the right/bottom edge feed nothing and are removed
        // by synthesis; the *unused* names are Verilator's waiver convention
        // (only needed when the array is a single row/column).
        if (j == COLS - 1) begin : g_right
          wire [AW+1:0] right_unused = {a_o[P], f_o[P], l_o[P]};
        end
        if (i == ROWS - 1) begin : g_bottom_b
          wire [WW-1:0] bottom_unused = b_o[P];
        end

        hpvp_mac_pe #(
            .AW  (AW),
            .WW  (WW),
            .ACC (ACC),
            .ROWS(ROWS),
            .COLS(COLS),
            .ROW (i),
            .COL (j)
        ) u_pe (
            .clk       (clk),
            .rst_n     (rst_n),
            .os_mode   (os_mode),
            .b_shift   (b_shift),
            .a_in      (a_w),
            .v_in      (v_w),
            .f_in      (f_w),
            .l_in      (l_w),
            .b_in      (b_w),
            .p_in      (p_w),
            .fi_row_hit(fi_rh),
            .fi_col_hit(fi_ch),
            .fi_mask   (fi_mask),
            .a_out     (a_o[P]),
            .v_out     (v_o[P]),
            .f_out     (f_o[P]),
            .l_out     (l_o[P]),
            .b_out     (b_o[P]),
            .acc       (acc[P])
        );
      end
    end
  endgenerate

  // Parallel readout, PE(i,j) at [(i*COLS+j)*ACC +: ACC]. One procedural
  // loop rather than ROWS*COLS slice assigns: Verilator would otherwise merge
  // the slices into a quadratic chain of wide concatenation temporaries.
  reg [ROWS*COLS*ACC-1:0] acc_flat;
  integer p;
  always @(*) begin
    for (p = 0; p < ROWS * COLS; p = p + 1) acc_flat[p*ACC+:ACC] = acc[p];
  end
  assign acc_out = acc_flat;
endmodule
