import { KeyEncryptionKey } from '@app/personal-data';

/** Why this text is not a key-encryption key, or `undefined` when it is one. Never echoes the text. */
export function keyEncryptionKeyProblem(text: string): string | undefined {
  try {
    KeyEncryptionKey.parse(text);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
