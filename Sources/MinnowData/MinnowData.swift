public enum MinnowData {}
