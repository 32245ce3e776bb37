// The geometry of one conv2d case in the conv specs (conv.spec.ts, conv_direct.spec.ts): batch,
// input h×w×c, oc filters of kh×kw, stride, symmetric padding and dilation, and the output size.
export class G {
  constructor(public n: i32, public h: i32, public w: i32, public c: i32, public oc: i32,
              public kh: i32, public kw: i32, public stride: i32, public pad: i32,
              public dh: i32 = 1, public dw: i32 = 1) {}
  get oh(): i32 { return (this.h + 2 * this.pad - ((this.kh - 1) * this.dh + 1)) / this.stride + 1; }
  get ow(): i32 { return (this.w + 2 * this.pad - ((this.kw - 1) * this.dw + 1)) / this.stride + 1; }
  get valid(): bool {
    return this.h + 2 * this.pad >= (this.kh - 1) * this.dh + 1 && this.w + 2 * this.pad >= (this.kw - 1) * this.dw + 1;
  }
  toString(): string {
    return "n=" + this.n.toString() + " h=" + this.h.toString() + " w=" + this.w.toString() + " c=" + this.c.toString()
      + " oc=" + this.oc.toString() + " k=" + this.kh.toString() + "x" + this.kw.toString()
      + " s=" + this.stride.toString() + " p=" + this.pad.toString() + " d=" + this.dh.toString() + "x" + this.dw.toString();
  }
}
