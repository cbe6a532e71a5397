/** A `Field<` / `Field>` / `Field` filter triple as Twilio's list endpoints accept it (inclusive bounds). */
export interface TimeRange {
  /** Exact day or instant: `Field=2024-01-01` matches that GMT day. */
  on?: { from: number; to: number };
  before?: number;
  after?: number;
}
