import { graphql } from '../../gql';

export const RegisterMutation = graphql(`
  mutation ChatRegister($input: RegisterInput!) {
    register(input: $input) {
      ...AuthFields
    }
  }
`);

export const LoginMutation = graphql(`
  mutation ChatLogin($input: LoginInput!) {
    login(input: $input) {
      ...AuthFields
    }
  }
`);
