/** Cuts a stream of text chunks into lines; a line longer than maxLength is emitted in pieces. */
export class LineSplitter {
  private partial = "";

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLength = 16_384,
  ) {}

  push(chunk: string): void {
    this.partial += chunk;
    let newline: number;
    while ((newline = this.partial.indexOf("\n")) !== -1) {
      this.emit(this.partial.slice(0, newline).replace(/\r$/, ""));
      this.partial = this.partial.slice(newline + 1);
    }
    while (this.partial.length > this.maxLength) {
      this.emit(this.partial.slice(0, this.maxLength));
      this.partial = this.partial.slice(this.maxLength);
    }
  }

  end(): void {
    if (this.partial.length > 0) this.emit(this.partial);
    this.partial = "";
  }

  private emit(line: string): void {
    this.onLine(line);
  }
}
