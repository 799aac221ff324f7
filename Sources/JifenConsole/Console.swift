/// The staff console served by `jifen serve` under `/console` (docs/console.md).
public enum Console {}
