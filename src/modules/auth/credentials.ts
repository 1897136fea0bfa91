import { z } from 'zod';
import { nulMessage, withoutNul } from '../../validation.js';
import { MAX_PASSWORD_BYTES, MIN_PASSWORD_LENGTH } from './passwords.js';

export const emailField = z
  .string()
  .trim()
  .toLowerCase()
  .max(254, 'email must be at most 254 characters')
  .pipe(z.email('email must be a valid email address'));

export const usernameField = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_.-]{3,32}$/, 'username must be 3 to 32 characters of letters, digits, _ . or -');

export const passwordField = z
  .string()
  // bcrypt reads a C string: everything after a NUL would be ignored.
  .refine(withoutNul, nulMessage('password'))
  .min(MIN_PASSWORD_LENGTH, `password must be at least ${MIN_PASSWORD_LENGTH} characters`)
  .refine((p) => Buffer.byteLength(p, 'utf8') <= MAX_PASSWORD_BYTES, `password must be at most ${MAX_PASSWORD_BYTES} bytes (UTF-8)`);
